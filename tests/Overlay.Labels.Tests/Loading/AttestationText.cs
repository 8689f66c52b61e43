namespace Overlay.Labels.Tests.Loading;

/// <summary>Policies with an <c>[[attestation]]</c> for loader tests: TVD red requires `known-good`, hosts h1 and h2.</summary>
internal static class AttestationText
{
    public const string Zeros = "0000000000000000000000000000000000000000000000000000000000000000";
    public const string Digest = "3f1c2a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f50e0";

    /// <summary>Lines 1-24: the policy up to <c>pcrs = "sha256:13"</c> of `known-good`; <see cref="With"/>'s keys start on line 25.</summary>
    public const string Head = """
        [policy]
        name = "test"
        version = 1

        [[tvd]]
        name = "red"
        vlan = 101
        attestation = "known-good"

        [[tvd]]
        name = "blue"
        vlan = 102

        [[host]]
        name = "h1"
        types = ["*"]

        [[host]]
        name = "h2"
        types = ["red"]

        [[attestation]]
        name = "known-good"
        pcrs = "sha256:13"

        """;

    /// <summary>A reference source and an AK trust source: the least a requirement needs.</summary>
    public const string Sources = "reference_values = \"reference.txt\"\nak_pins = { h1 = \"" + Zeros + "\" }\n";

    /// <summary><see cref="Head"/> with <paramref name="keys"/> from line 25.</summary>
    public static string With(string keys) => Head + keys;

    /// <summary><see cref="Head"/> with <paramref name="keys"/> from line 25 and then <see cref="Sources"/>.</summary>
    public static string WithSources(string keys) => Head + keys + Sources;
}
