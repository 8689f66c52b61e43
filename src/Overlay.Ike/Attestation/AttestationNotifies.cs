using System.Buffers.Binary;

using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Attestation;

/// <summary>
/// The private-use notifies of attested IKE (docs/protocol.md), their data formats and their limits. Every
/// length is checked against the bytes present; nothing is allocated from a count field.
/// <code>
/// TVD_ATTESTATION_SUPPORTED   | version (1) = 1 | challenge (16..64) |
/// TVD_ATTESTATION_EVIDENCE    | part (2) | parts (2) | chunk of the bundle (1..MaxChunk) |
/// TVD_ATTESTATION_BINDING     | signature (1..512) |
/// TVD_ATTESTATION_CHALLENGE   | challenge (16..64) |
/// TVD_ATTESTATION_CHECKPOINT  | checkpoint (0..1024) |
/// TVD_ATTESTATION_REFUSED     | reason, UTF-8 (0..1024) |
/// </code>
/// </summary>
public static class AttestationNotifies
{
    public const byte Version = 1;

    public const int MinChallengeLength = 16;

    public const int MaxChallengeLength = 64;

    /// <summary>Evidence per notify: a payload's length field is 16 bits, so a bundle larger than this is split.</summary>
    public const int MaxChunk = 60_000;

    /// <summary>Parts per bundle: with <see cref="MaxChunk"/> about 2.9 MB, leaving room in a message's 64 notifies for the others.</summary>
    public const int MaxParts = 48;

    public const int MaxBindingLength = 512;

    public const int MaxCheckpointLength = 1024;

    public const int MaxReasonLength = 1024;

    public static NotifyPayload Supported(ReadOnlySpan<byte> challenge) =>
        new(NotifyType.TvdAttestationSupported, [Version, .. challenge]);

    /// <summary>The peer's challenge from its SUPPORTED notify; false when it sent none or a malformed one.</summary>
    public static bool TryReadSupported(NotifyPayload? notify, out byte[] challenge)
    {
        challenge = [];
        if (notify is not { Type: NotifyType.TvdAttestationSupported } || notify.Data.Length < 1 || notify.Data[0] != Version)
        {
            return false;
        }

        return TryChallenge(notify.Data.AsSpan(1), out challenge);
    }

    public static NotifyPayload Challenge(ReadOnlySpan<byte> challenge) => new(NotifyType.TvdAttestationChallenge, challenge.ToArray());

    public static bool TryReadChallenge(NotifyPayload? notify, out byte[] challenge)
    {
        challenge = [];
        return notify is { Type: NotifyType.TvdAttestationChallenge } && TryChallenge(notify.Data, out challenge);
    }

    public static NotifyPayload Checkpoint(ReadOnlySpan<byte> checkpoint) => new(NotifyType.TvdAttestationCheckpoint, checkpoint.ToArray());

    public static byte[]? ReadCheckpoint(NotifyPayload? notify) =>
        notify is { Type: NotifyType.TvdAttestationCheckpoint } && notify.Data.Length <= MaxCheckpointLength ? notify.Data : null;

    public static NotifyPayload Binding(byte[] signature) => new(NotifyType.TvdAttestationBinding, signature);

    public static byte[]? ReadBinding(NotifyPayload? notify) =>
        notify is { Type: NotifyType.TvdAttestationBinding, Data.Length: > 0 and <= MaxBindingLength } ? notify.Data : null;

    /// <summary>A reason for a refusal, cut to <see cref="MaxReasonLength"/> bytes on a character boundary.</summary>
    public static NotifyPayload Refused(string reason)
    {
        byte[] text = System.Text.Encoding.UTF8.GetBytes(reason);
        if (text.Length > MaxReasonLength)
        {
            int cut = MaxReasonLength;
            while (cut > 0 && (text[cut] & 0xC0) == 0x80)
            {
                cut--;
            }

            text = text[..cut];
        }

        return new NotifyPayload(NotifyType.TvdAttestationRefused, text);
    }

    /// <summary>The peer's reason as text for a log line: invalid UTF-8 and control characters (a forged line break) become U+FFFD.</summary>
    public static string? ReadRefused(NotifyPayload? notify)
    {
        if (notify is not { Type: NotifyType.TvdAttestationRefused } || notify.Data.Length > MaxReasonLength)
        {
            return null;
        }

        string text = System.Text.Encoding.UTF8.GetString(notify.Data);
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '\uFFFD' : source[i];
            }
        });
    }

    /// <summary>The bundle split into EVIDENCE notifies; null when it is larger than <see cref="MaxParts"/> parts.</summary>
    public static IReadOnlyList<NotifyPayload>? Evidence(ReadOnlySpan<byte> bundle)
    {
        int parts = Math.Max(1, (bundle.Length + MaxChunk - 1) / MaxChunk);
        if (parts > MaxParts)
        {
            return null;
        }

        var notifies = new List<NotifyPayload>(parts);
        for (int i = 0; i < parts; i++)
        {
            ReadOnlySpan<byte> chunk = bundle.Slice(i * MaxChunk, Math.Min(MaxChunk, bundle.Length - i * MaxChunk));
            byte[] data = new byte[4 + chunk.Length];
            BinaryPrimitives.WriteUInt16BigEndian(data, (ushort)i);
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(2), (ushort)parts);
            chunk.CopyTo(data.AsSpan(4));
            notifies.Add(new NotifyPayload(NotifyType.TvdAttestationEvidence, data));
        }

        return notifies;
    }

    /// <summary>
    /// Puts the EVIDENCE notifies of one message back together: every part from 0 to parts-1 exactly once, all
    /// naming the same part count. The bundle is as large as the chunks present, never what a count says.
    /// </summary>
    public static bool TryAssembleEvidence(IEnumerable<NotifyPayload> notifies, out byte[] bundle, out string error)
    {
        bundle = [];
        var chunks = new SortedDictionary<int, byte[]>();
        int parts = -1;
        foreach (NotifyPayload n in notifies)
        {
            if (n.Type != NotifyType.TvdAttestationEvidence)
            {
                continue;
            }

            if (n.Data.Length < 5)
            {
                error = "an evidence part holds no evidence";
                return false;
            }

            int part = BinaryPrimitives.ReadUInt16BigEndian(n.Data);
            int count = BinaryPrimitives.ReadUInt16BigEndian(n.Data.AsSpan(2));
            if (count is 0 or > MaxParts || part >= count || (parts >= 0 && count != parts) || !chunks.TryAdd(part, n.Data))
            {
                error = $"evidence part {part} of {count} does not fit the others";
                return false;
            }

            parts = count;
        }

        if (parts < 0)
        {
            error = "no evidence";
            return false;
        }

        if (chunks.Count != parts)
        {
            error = $"evidence has {chunks.Count} of its {parts} parts";
            return false;
        }

        bundle = new byte[chunks.Values.Sum(c => c.Length - 4)];
        int offset = 0;
        foreach (byte[] chunk in chunks.Values)
        {
            chunk.AsSpan(4).CopyTo(bundle.AsSpan(offset));
            offset += chunk.Length - 4;
        }

        error = "";
        return true;
    }

    private static bool TryChallenge(ReadOnlySpan<byte> data, out byte[] challenge)
    {
        challenge = data.Length is >= MinChallengeLength and <= MaxChallengeLength ? data.ToArray() : [];
        return challenge.Length > 0;
    }
}
