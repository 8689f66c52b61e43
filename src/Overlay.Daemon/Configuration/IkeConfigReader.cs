using System.Text;
using Overlay.Common.Toml;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;
using Overlay.Ike.Crypto;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// Reads <c>[ike]</c> and <c>[[ike.peer]]</c>. Proposals are written the way swanctl.conf writes them
/// (<c>"aes256gcm16-prfsha384-x25519, aes128gcm16-prfsha256-ecp256"</c>); what they mean is
/// <see cref="ProposalText"/>'s to say, this reader only places the error. Every problem is a
/// <c>file:line:column</c> error.
/// </summary>
internal static class IkeConfigReader
{
    public const string Table = "ike";
    public const string PeerTable = "ike.peer";

    private static readonly string[] Keys =
    [
        "enabled", "local_id", "psk", "shared_psk", "ike_port", "proposals", "esp_proposals", "ike_rekey_time", "ike_lifetime", "rekey_time",
        "lifetime", "dpd_interval", "retransmit_timeout", "retransmit_tries", "retry_interval", "cookie_threshold", "half_open_timeout",
        "half_open_per_source", "workers", "receive_queue", "nat_keepalive",
        .. IkeCertificateReader.Keys,
    ];

    private static readonly string[] PeerKeys = ["name", "id", "psk", "auth", "initiate", "mode", "local_ts", "remote_ts"];

    private delegate bool ProposalListParser<T>(string text, out IReadOnlyList<T> list, out string? rejected);

    public static bool IsIkeTable(TomlSection table) =>
        (table.Form == SectionForm.Table && table.Name == Table) || (table.Form == SectionForm.ArrayOfTables && table.Name == PeerTable);

    /// <summary>Null when there is no [ike] table (IKE off); null with errors added when it has a problem.</summary>
    public static IkeConfig? Read(IReadOnlyList<TomlSection> tables, string file, List<ConfigError> errors)
    {
        TomlSection? main = tables.FirstOrDefault(t => t.Name == Table);
        if (main is null)
        {
            foreach (TomlSection table in tables)
            {
                errors.Add(new ConfigError(table.NameLocation.ToConfigLocation(), "[[ike.peer]] needs an [ike] table"));
            }

            return null;
        }

        int before = errors.Count;
        var r = new ConfigTableReader(main, errors, Keys);
        bool? enabled = r.Boolean("enabled", true);
        string? localId = r.String("local_id", required: false);
        byte[]? psk = Psk(r);
        bool? sharedPsk = r.Boolean("shared_psk", false);
        if (psk is not null && sharedPsk == false)
        {
            r.Error(r.LocationOf("psk"), "[ike] psk is one key for every peer: any host holding it can claim to be any other; give each [[ike.peer]] "
                + "its own psk (or use certificates), or set shared_psk = true to accept that risk");
        }
        else if (psk is null && sharedPsk == true)
        {
            r.Error(r.LocationOf("shared_psk"), "shared_psk = true needs the shared key: set psk in [ike]");
        }

        long? ikePort = r.Integer("ike_port", 1, 65535, IkeConfig.DefaultIkePort);
        IReadOnlyList<IkeCipherSuite>? ike = Proposals<IkeCipherSuite>(r, "proposals", IkeSaConfig.DefaultIkeProposals, ProposalText.TryParseIkeList);
        IReadOnlyList<EspSuite>? esp = Proposals<EspSuite>(r, "esp_proposals", IkeConfig.DefaultEspProposals, ProposalText.TryParseEspList);
        long? ikeRekey = r.Integer("ike_rekey_time", 0, 86400 * 7, (long)Overlay.Ike.Sa.SaLifetime.IkeDefault.RekeyAfter.TotalSeconds);
        long? ikeLife = r.Integer("ike_lifetime", 0, 86400 * 8, null);
        long? childRekey = r.Integer("rekey_time", 0, 86400 * 7, (long)Overlay.Ike.Sa.SaLifetime.ChildDefault.RekeyAfter.TotalSeconds);
        long? childLife = r.Integer("lifetime", 0, 86400 * 8, null);
        long? dpd = r.Integer("dpd_interval", 0, 3600, 30);
        long? keepalive = r.Integer("nat_keepalive", 0, 3600, IkeConfig.DefaultNatKeepaliveSeconds);
        long? timeoutMs = r.Integer("retransmit_timeout", 100, 60_000, 4000);
        long? tries = r.Integer("retransmit_tries", 0, 20, 5);
        long? retry = r.Integer("retry_interval", 1, 3600, 30);
        long? cookies = r.Integer("cookie_threshold", 0, 1_000_000, CookieOptions.Default.HalfOpenThreshold);
        long? halfOpenTimeout = r.Integer("half_open_timeout", 1, 3600, (long)HalfOpenOptions.Default.Timeout.TotalSeconds);
        long? halfOpenPerSource = r.Integer("half_open_per_source", 1, 1_000_000, HalfOpenOptions.Default.MaxPerSource);
        long? workers = r.Integer("workers", 1, 64, IkeTransportOptions.Default.Workers);
        long? queue = r.Integer("receive_queue", 16, 1 << 20, IkeTransportOptions.Default.QueueCapacity);
        (Overlay.Ike.Crypto.Certificates.CertificateCredential? certificate, IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> cas) =
            IkeCertificateReader.Read(r, file);

        var peers = new List<IkePeerConfig>();
        foreach (TomlSection table in tables)
        {
            if (table.Name == PeerTable && ReadPeer(table, errors) is { } peer)
            {
                peers.Add(peer);
            }
        }

        foreach (IGrouping<string, IkePeerConfig> duplicate in peers.GroupBy(p => p.Name).Where(g => g.Count() > 1))
        {
            errors.Add(new ConfigError(duplicate.Last().Location, $"duplicate [[ike.peer]] name '{duplicate.Key}'"));
        }

        if (sharedPsk != true)
        {
            CheckOneKeyPerPeer(peers, errors);
        }

        if (errors.Count > before || enabled is null || sharedPsk is null || ikePort is null || ike is null || esp is null || ikeRekey is null
            || childRekey is null || dpd is null || keepalive is null || timeoutMs is null || tries is null || retry is null || cookies is null
            || halfOpenTimeout is null
            || halfOpenPerSource is null || workers is null || queue is null)
        {
            return null;
        }

        return new IkeConfig(enabled.Value, localId, psk, (int)ikePort, ike, esp, Lifetime(ikeRekey.Value, ikeLife), Lifetime(childRekey.Value, childLife),
            TimeSpan.FromSeconds(dpd.Value), new RetransmitPolicy(TimeSpan.FromMilliseconds(timeoutMs.Value), 1.8, (int)tries.Value),
            TimeSpan.FromSeconds(retry.Value), (int)cookies.Value, peers, r.Location)
        {
            Certificate = certificate,
            SharedPsk = sharedPsk.Value,
            TrustedCas = cas,
            HalfOpen = new HalfOpenOptions(TimeSpan.FromSeconds(halfOpenTimeout.Value), (int)halfOpenPerSource.Value),
            NatKeepalive = TimeSpan.FromSeconds(keepalive.Value),
            Transport = IkeTransportOptions.Default with { Workers = (int)workers.Value, QueueCapacity = (int)queue.Value },
        };
    }

    /// <summary>
    /// A PSK proves who a peer is only while one peer holds it: two [[ike.peer]] with the same key could each claim to be
    /// the other, which is the shared key's risk without its warning.
    /// </summary>
    private static void CheckOneKeyPerPeer(List<IkePeerConfig> peers, List<ConfigError> errors)
    {
        for (int i = 1; i < peers.Count; i++)
        {
            if (peers[i].Psk is not { } key)
            {
                continue;
            }

            if (peers.Take(i).FirstOrDefault(p => p.Psk is { } other && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(other, key)) is { } first)
            {
                errors.Add(new ConfigError(peers[i].Location,
                    $"[[ike.peer]] '{peers[i].Name}' has the same psk as '{first.Name}': either could claim to be the other; give each peer its own key (or set shared_psk = true in [ike])"));
            }
        }
    }

    /// <summary>Rekey after <paramref name="rekey"/> s (minus up to 10 % jitter); hard limit <paramref name="life"/> s or rekey + 10 %.</summary>
    private static Overlay.Ike.Sa.SaLifetime Lifetime(long rekey, long? life)
    {
        var soft = TimeSpan.FromSeconds(rekey);
        return new Overlay.Ike.Sa.SaLifetime(soft, life is { } hard ? TimeSpan.FromSeconds(hard) : soft * 1.1, soft * 0.1);
    }

    private static IkePeerConfig? ReadPeer(TomlSection table, List<ConfigError> errors)
    {
        int before = errors.Count;
        var r = new ConfigTableReader(table, errors, PeerKeys);
        string? name = r.String("name", required: true);
        string? id = r.String("id", required: false);
        byte[]? psk = Psk(r);
        string? authText = r.String("auth", required: false);
        IkeAuth? auth = authText switch
        {
            null => null,
            "psk" => IkeAuth.Psk,
            "pubkey" => IkeAuth.Pubkey,
            _ => Fail<IkeAuth>(r, "auth", $"'auth' must be \"psk\" or \"pubkey\", not \"{authText}\""),
        };
        string? initiateText = r.String("initiate", required: false);
        bool? initiate = initiateText switch
        {
            null or "auto" => null,
            "yes" => true,
            "no" => false,
            _ => Fail<bool>(r, "initiate", $"'initiate' must be \"yes\", \"no\" or \"auto\", not \"{initiateText}\""),
        };
        string mode = r.String("mode", required: false) ?? "etherip";
        InnerMode? inner = mode switch
        {
            "etherip" => InnerMode.EtherIp,
            "ip" => InnerMode.Ip,
            _ => FailMode(r, mode),
        };
        List<IpPrefix> local = PrefixList.Read(r, "local_ts");
        List<IpPrefix> remote = PrefixList.Read(r, "remote_ts");
        if (inner == InnerMode.Ip && (local.Count == 0 || remote.Count == 0))
        {
            r.Error(r.Location, "mode \"ip\" needs local_ts and remote_ts (the protected prefixes on each side, e.g. \"10.13.1.0/24\")");
        }

        return errors.Count > before || name is null || inner is null
            ? null
            : new IkePeerConfig(name, id, psk, initiate, inner.Value, local, remote, r.Location) { Auth = auth };
    }

    private static InnerMode? FailMode(ConfigTableReader r, string mode)
    {
        r.Error(r.LocationOf("mode"), $"'mode' must be \"etherip\" or \"ip\", not \"{mode}\"");
        return null;
    }

    private static T? Fail<T>(ConfigTableReader r, string key, string message)
        where T : struct
    {
        r.Error(r.LocationOf(key), message);
        return null;
    }

    /// <summary>How the example configs (examples/ike-pair) mark the PSK the operator must replace.</summary>
    private const string PlaceholderPsk = "REPLACE with";

    private static byte[]? Psk(ConfigTableReader r)
    {
        string? text = r.String("psk", required: false);
        if (text is null)
        {
            return null;
        }

        if (text.Length < 8)
        {
            r.Error(r.LocationOf("psk"), "'psk' must be at least 8 characters");
        }
        else if (text.StartsWith(PlaceholderPsk, StringComparison.OrdinalIgnoreCase))
        {
            // The example configs' placeholder is long enough to pass as a key, and public: everyone has it.
            r.Error(r.LocationOf("psk"), "'psk' is the example's placeholder: put in a secret of your own, e.g. the output of `openssl rand -base64 32`, the same on both peers");
        }

        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>
    /// A swanctl-style proposal list (<see cref="ProposalText"/>); the defaults when the key is absent or lists
    /// nothing, null (with an error at the value) when a proposal is not one Overlay.Ike implements.
    /// </summary>
    private static IReadOnlyList<T>? Proposals<T>(ConfigTableReader r, string key, IReadOnlyList<T> fallback, ProposalListParser<T> parse)
    {
        string? text = r.String(key, required: false);
        if (text is null)
        {
            return fallback;
        }

        if (!parse(text, out IReadOnlyList<T> list, out string? rejected))
        {
            r.Error(r.LocationOf(key), $"'{key}': \"{rejected}\" is not a proposal this daemon implements (see docs/daemon.md)");
            return null;
        }

        return list.Count > 0 ? list : fallback;
    }
}

/// <summary>Checks of <c>[ike]</c> against <c>[dataplane]</c>, after both were read.</summary>
internal static class IkeConfigChecks
{
    public static void Check(IkeConfig? ike, DataPlaneConfig? dataPlane, List<ConfigError> errors)
    {
        if (ike is null || !ike.Enabled)
        {
            return;
        }

        if (dataPlane is null)
        {
            errors.Add(new ConfigError(ike.Location, "[ike] keys the data plane's tunnels: it needs a [dataplane] table"));
            return;
        }

        foreach (IkePeerConfig peer in ike.Peers.Where(p => dataPlane.Peers.All(d => d.Name != p.Name)))
        {
            errors.Add(new ConfigError(peer.Location, $"[[ike.peer]] '{peer.Name}' names no [[dataplane.peer]]"));
        }

        foreach (PeerConfig peer in dataPlane.Peers)
        {
            IkePeerConfig settings = ike.PeerSettings(peer.Name);
            ConfigLocation at = ike.Peers.Contains(settings) ? settings.Location : peer.Location;
            if (ike.AuthOf(settings) == IkeAuth.Psk)
            {
                if (settings.Psk is null && ike.DefaultPsk is null)
                {
                    errors.Add(new ConfigError(peer.Location, $"peer '{peer.Name}' has no pre-shared key: set psk in its [[ike.peer]] (a key only it and this host hold), or use certificates"));
                }
            }
            else if (ike.Certificate is null)
            {
                errors.Add(new ConfigError(at, $"peer '{peer.Name}' authenticates with auth = \"pubkey\": set certificate and private_key in [ike]"));
            }
            else if (ike.TrustedCas.Count == 0)
            {
                errors.Add(new ConfigError(at, $"peer '{peer.Name}' authenticates with auth = \"pubkey\": [ike] needs ca = [\"<CA certificate PEM>\"] to check its certificate"));
            }
        }
    }
}
