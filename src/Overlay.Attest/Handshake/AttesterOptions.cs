namespace Overlay.Attest.Handshake;

/// <summary>Tunables of a <see cref="HandshakeAttester"/>.</summary>
public sealed record AttesterOptions
{
    public static readonly AttesterOptions Default = new();

    /// <summary>How long a non-urgent request (a refresh) may wait for more challenges to share its quote.</summary>
    public TimeSpan BatchWindow { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a quote and its K_e stay usable after quoting; then K_e is disposed. Set it to at least the largest
    /// max_age any verifier applies (the policy allows at most 300 s): evidence is worthless after that anyway.
    /// </summary>
    public TimeSpan EvidenceLifetime { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>After a failed quote, the next one starts no sooner than this (a dead TPM is not hammered).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Most challenges (Merkle leaves) in one quote; more wait for the next one.</summary>
    public int MaxBatch { get; init; } = 1024;

    /// <summary>Most challenges waiting for a quote; beyond that new ones are dropped (and counted).</summary>
    public int MaxPending { get; init; } = 4096;

    /// <summary>Most quotes (with their K_e and lists) kept at once; the oldest goes first when more are made.</summary>
    public int MaxRetainedQuotes { get; init; } = 16;

    /// <summary>How measurement lists are compressed in bundles (lists under 512 bytes always travel as they are).</summary>
    public ListCodec Compression { get; init; } = ListCodec.Brotli;
}
