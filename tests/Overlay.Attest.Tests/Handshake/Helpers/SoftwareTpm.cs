using System.Security.Cryptography;
using Overlay.Attest.Handshake;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
using Overlay.Attest.Tests.Verify;

namespace Overlay.Attest.Tests.Handshake.Helpers;

/// <summary>
/// A TPM in software for scenarios a real one makes slow or impossible to stage (10,000 measurements in a blink,
/// reboots on demand, a TPM that stops answering): SHA-256 PCRs, a measurement list, reset/restart counters and a
/// clock, and quotes as real TPMS_ATTEST signed by a restricted P-256 "AK". The verifier cannot tell it from a TPM,
/// which is exactly why the AK must be enrolled (pinned or certified) before it is trusted.
/// </summary>
internal sealed class SoftwareTpm : IQuoteSource, IDisposable
{
    private SoftwareSigner _ak = new();
    private readonly byte[][] _pcrs = Enumerable.Range(0, TpmConstants.PcrCount).Select(_ => new byte[32]).ToArray();
    private readonly List<ImaNgEntry> _log = [];
    private readonly Lock _gate = new();
    private int _quotes, _attempts;

    public PcrSelection Selection { get; init; } = PcrSelection.Sha256(13);

    public bool IsSoftwareTpm { get; init; } = true;

    public uint ResetCount { get; private set; } = 3;

    public uint RestartCount { get; private set; }

    public ulong Clock { get; private set; } = 100_000;

    /// <summary>When set, every quote throws this (a TPM that stopped answering).</summary>
    public Exception? Failure { get; set; }

    public int Quotes => Volatile.Read(ref _quotes);

    /// <summary>Quote calls, failed ones included.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>An AK certificate to send with every quote.</summary>
    public byte[]? AkCertificate { get; set; }

    public byte[] AkSpki
    {
        get
        {
            using var key = Overlay.Attest.Verify.AkPublicKey.FromTpmPublic(_ak.Public());
            return key.SubjectPublicKeyInfo;
        }
    }

    public string AkPin
    {
        get
        {
            using var key = Overlay.Attest.Verify.AkPublicKey.FromTpmPublic(_ak.Public());
            return Convert.ToHexStringLower(key.Fingerprint);
        }
    }

    public IReadOnlyList<ImaNgEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return _log.ToArray();
            }
        }
    }

    public ImaNgEntry Measure(string path, int pcr = 13)
    {
        var entry = ImaNgEntry.Create((uint)pcr, "sha256", SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(path + "#content")), path);
        lock (_gate)
        {
            Span<byte> buffer = stackalloc byte[64];
            _pcrs[pcr].CopyTo(buffer);
            entry.Sha256ExtendValue.CopyTo(buffer[32..]);
            _pcrs[pcr] = SHA256.HashData(buffer);
            _log.Add(entry);
        }

        return entry;
    }

    public void MeasureMany(int count, string prefix = "/usr/lib/tvd/file-")
    {
        for (var i = 0; i < count; i++)
        {
            Measure($"{prefix}{i:D5}");
        }
    }

    /// <summary>A TPM reset: counters up, PCRs and the list start over.</summary>
    public void Reboot()
    {
        lock (_gate)
        {
            ResetCount++;
            RestartCount = 0;
            foreach (var pcr in _pcrs)
            {
                Array.Clear(pcr);
            }

            _log.Clear();
        }
    }

    public Evidence Collect(ReadOnlySpan<byte> qualifyingData)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _attempts);
            if (Failure is not null)
            {
                throw Failure;
            }

            Interlocked.Increment(ref _quotes);
            Clock += 10;
            var values = new PcrValues(Selection, Selection.Banks.SelectMany(b => b.Pcrs).Select(p => (byte[])_pcrs[p].Clone()).ToArray());
            var attest = Attest(qualifyingData, values);
            var writer = new TpmWriter();
            values.Write(writer);
            return new Evidence
            {
                Attest = attest,
                Signature = _ak.Sign(attest),
                AkPublic = _ak.Public().To2B(),
                PcrValues = writer.ToArray(),
                Logs = [new EvidenceLog(MeasurementSource.Overlay, new MeasurementList(_log.ToArray()).ToBinary())],
                AkCertificate = AkCertificate,
            };
        }
    }

    private byte[] Attest(ReadOnlySpan<byte> qualifyingData, PcrValues values)
    {
        var w = new TpmWriter();
        w.WriteU32(TpmConstants.GeneratedValue);
        w.WriteU16(TpmConstants.StAttestQuote);
        w.Write2B(Convert.FromHexString("000B" + new string('1', 64)));
        w.Write2B(qualifyingData);
        w.WriteU64(Clock);
        w.WriteU32(ResetCount);
        w.WriteU32(RestartCount);
        w.WriteU8(1);
        w.WriteU64(0x2019102300163636);
        values.Selection.Write(w);
        w.Write2B(values.ComputeDigest(TpmConstants.AlgSha256));
        return w.ToArray();
    }

    /// <summary>A new AK in the same boot (the attester's daemon restarted with another key type): PCRs and list stay.</summary>
    public void ReplaceAk()
    {
        lock (_gate)
        {
            _ak.Dispose();
            _ak = new SoftwareSigner();
        }
    }

    public void Dispose() => _ak.Dispose();
}
