using System.Collections.Concurrent;
using System.Security.Cryptography;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;

namespace Overlay.Attest.Handshake;

/// <summary>
/// One quote of a <see cref="HandshakeAttester"/> and everything needed to hand it out: K_e (private, in OpenSSL,
/// never exported), the Merkle tree of the batch's challenges, the quote in its bundle section form, and the lists
/// with their entry offsets (full lists compressed once, deltas on demand). Bundles are cached per challenge and
/// delta base. Disposing disposes K_e; <see cref="Sign"/> then fails.
/// </summary>
internal sealed class PreparedQuote : IDisposable
{
    private const int SmallList = 512, MaxCachedBundles = 256, MaxCachedDeltas = 64;

    private readonly ECDsa _key;
    private readonly Lock _keyGate = new();
    private readonly MerkleTree _tree;
    private readonly Dictionary<string, int> _leaves;
    private readonly byte[] _quoteSection;
    private readonly PreparedList[] _lists;
    private readonly ListCodec _codec;
    private readonly ConcurrentDictionary<(MeasurementSource, int), byte[]> _deltas = new();
    private readonly ConcurrentDictionary<string, byte[]> _bundles = new(StringComparer.Ordinal);
    private bool _disposed;

    private PreparedQuote(ECDsa key, byte[] spki, MerkleTree tree, Dictionary<string, int> leaves, Evidence evidence, TpmsAttest attest,
        PreparedList[] lists, ListCodec codec)
    {
        _key = key;
        EphemeralKey = spki;
        _tree = tree;
        _leaves = leaves;
        _quoteSection = EvidenceCodec.Encode(new Evidence
        {
            Attest = evidence.Attest,
            Signature = evidence.Signature,
            AkPublic = evidence.AkPublic,
            PcrValues = evidence.PcrValues,
            AkCertificate = evidence.AkCertificate,
        });
        ResetCount = attest.ResetCount;
        RestartCount = attest.RestartCount;
        _lists = lists;
        _codec = codec;
    }

    public required long Serial { get; init; }

    public required long Generation { get; init; }

    public required DateTimeOffset QuotedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required string HostId { get; init; }

    public required bool SoftwareTpm { get; init; }

    public byte[] EphemeralKey { get; }

    public uint ResetCount { get; }

    public uint RestartCount { get; }

    public IEnumerable<string> ChallengeKeys => _leaves.Keys;

    public static string Key(ReadOnlySpan<byte> challenge) => Convert.ToBase64String(challenge);

    /// <summary>
    /// Makes K_e, the tree over <paramref name="challenges"/> and the qualifyingData, then quotes (blocking for as
    /// long as the TPM takes). Throws when the source fails or returns a quote that is not over that qualifyingData.
    /// </summary>
    public static PreparedQuote Create(string hostId, IQuoteSource source, IReadOnlyList<byte[]> challenges, long serial, long generation,
        TimeProvider time, AttesterOptions options)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            var spki = key.ExportSubjectPublicKeyInfo();
            var tree = new MerkleTree(challenges);
            var qualifyingData = QualifyingData.Compute(hostId, spki, tree.Root);
            var evidence = source.Collect(qualifyingData);
            if (!TpmsAttest.TryParse(evidence.Attest, out var attest, out var error))
            {
                throw new InvalidDataException($"the quote source returned an unreadable quote: {error}");
            }

            if (!CryptographicOperations.FixedTimeEquals(attest.ExtraData, qualifyingData))
            {
                throw new InvalidDataException("the quote source returned a quote over other qualifying data");
            }

            var quotedAt = time.GetUtcNow();
            var lists = evidence.Logs.Select(l => PreparedList.Create(l, options.Compression)).ToArray();
            var leaves = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < challenges.Count; i++)
            {
                leaves[Key(challenges[i])] = i;
            }

            return new PreparedQuote(key, spki, tree, leaves, evidence, attest, lists, options.Compression)
            {
                Serial = serial,
                Generation = generation,
                QuotedAt = quotedAt,
                ExpiresAt = quotedAt + options.EvidenceLifetime,
                HostId = hostId,
                SoftwareTpm = source.IsSoftwareTpm,
            };
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The bundle for one challenge of the batch (null when it is not one), lists as the request allows.</summary>
    public byte[]? Bundle(ReadOnlySpan<byte> challenge, EvidenceRequest request)
    {
        var challengeKey = Key(challenge);
        if (!_leaves.TryGetValue(challengeKey, out var index))
        {
            return null;
        }

        var bases = _lists.Select(l => DeltaBase(l, request.Base)).ToArray();
        var cacheKey = challengeKey + ":" + string.Join(',', bases);
        if (_bundles.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }

        var lists = new EvidenceBundleCodec.EncodedList[_lists.Length];
        for (var i = 0; i < _lists.Length; i++)
        {
            lists[i] = Encoded(_lists[i], bases[i]);
        }

        var proof = new MerkleProof((uint)index, (uint)_tree.Count, _tree.Root, _tree.AuditPath(index));
        var bundle = EvidenceBundleCodec.Encode(HostId, EphemeralKey, challenge, proof, _quoteSection, SoftwareTpm, lists);
        if (_bundles.Count < MaxCachedBundles)
        {
            _bundles.TryAdd(cacheKey, bundle);
        }

        return bundle;
    }

    /// <summary>DER ECDSA-SHA256 signature by K_e; throws <see cref="ObjectDisposedException"/> once K_e is disposed.</summary>
    public byte[] Sign(ReadOnlySpan<byte> bindingOctets)
    {
        lock (_keyGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key.SignData(bindingOctets, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
    }

    public void Dispose()
    {
        lock (_keyGate)
        {
            _disposed = true;
            _key.Dispose();
        }
    }

    private int DeltaBase(PreparedList list, ListCheckpoint? checkpoint) =>
        checkpoint is not null && checkpoint.ResetCount == ResetCount && checkpoint.RestartCount == RestartCount &&
        checkpoint.Counts.TryGetValue(list.Source, out var count) && count > 0 && count <= list.Count
            ? count
            : 0;

    private EvidenceBundleCodec.EncodedList Encoded(PreparedList list, int listBase)
    {
        if (listBase == 0)
        {
            return new(list.Source, 0, list.FullCodec, list.Full);
        }

        var raw = list.After(listBase);
        var codec = raw.Length < SmallList ? ListCodec.None : _codec;
        if (!_deltas.TryGetValue((list.Source, listBase), out var bytes))
        {
            bytes = ListCompression.Compress(raw, codec);
            if (_deltas.Count < MaxCachedDeltas)
            {
                _deltas.TryAdd((list.Source, listBase), bytes);
            }
        }

        return new(list.Source, listBase, codec, bytes);
    }

    /// <summary>A list of the quote: its bytes, entry offsets, and the full list compressed once.</summary>
    private sealed class PreparedList(MeasurementSource source, byte[] binary, int[] offsets, ListCodec fullCodec, byte[] full)
    {
        public MeasurementSource Source => source;

        public int Count => offsets.Length - 1;

        public ListCodec FullCodec => fullCodec;

        public byte[] Full => full;

        public ReadOnlySpan<byte> After(int entries) => binary.AsSpan(offsets[entries]);

        public static PreparedList Create(EvidenceLog log, ListCodec codec)
        {
            var offsets = MeasurementListIndex.EntryOffsets(log.Binary)
                ?? throw new InvalidDataException($"the quote source returned a malformed {log.Source} measurement list");
            var fullCodec = log.Binary.Length < SmallList ? ListCodec.None : codec;
            return new PreparedList(log.Source, log.Binary, offsets, fullCodec, ListCompression.Compress(log.Binary, fullCodec));
        }
    }
}
