using Overlay.DataPlane.Frames;
using Overlay.Ike;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;

namespace Overlay.Fuzz.Targets;

/// <summary>
/// An IKE datagram as port 500 or 4500 receives it: the data plane's RFC 3948 classifier (non-ESP marker), the
/// message parser and the message rules (convention 6). A message that parses must re-encode to octets that parse
/// to the same encoding (round trip). The same bytes, minus their first octet, also go through the payload-chain
/// parser with that octet as the first payload type: what an SK payload's decrypted content meets, which a mutated
/// datagram never reaches through the ICV. Both parsers are held to an allocation bound.
/// </summary>
public sealed class IkeMessageTarget : FuzzTarget
{
    /// <summary>
    /// Parsing allocates payload objects and copies of their bodies: a few times the input. The bound leaves room for
    /// that and for the smallest inputs (fixed part), not for a length or count field's worth.
    /// </summary>
    public const int AllocationPerByte = 16;

    public const int AllocationFixed = 16 * 1024;

    public override string Name => "ike-message";

    public override string TestProject => "Overlay.Ike.Tests";

    public override string Description => "one IKE datagram: classify, parse, message rules, round trip; payload chain; allocation bound";

    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var kind = UdpEncapsulation.Classify(input);
        var ike = kind == UdpPayloadKind.Ike ? input[UdpEncapsulation.NonEspMarkerLength..] : input;
        var start = Oracles.AllocatedBytes();
        var parsed = IkeMessage.TryParse(ike, out var message, out _);
        Oracles.CheckAllocation("IkeMessage.TryParse", start, ike.Length, AllocationPerByte, AllocationFixed);
        if (parsed)
        {
            MessageValidator.Validate(message);
            var encoded = message.ToArray();
            Oracles.Check(IkeMessage.TryParse(encoded, out var again, out var error), $"a parsed message re-encodes to octets that do not parse: {error}");
            Oracles.SameBytes("IKE message", encoded, again.ToArray());
        }

        if (ike.Length > 1)
        {
            var payloads = new List<IIkePayload>();
            start = Oracles.AllocatedBytes();
            var chain = PayloadChain.TryParse(ike[1..], (IkePayloadType)ike[0], payloads, out _);
            Oracles.CheckAllocation("PayloadChain.TryParse", start, ike.Length, AllocationPerByte, AllocationFixed);
            if (chain && payloads.Count > 0)
            {
                if (parsed)
                {
                    MessageValidator.Validate(message, payloads);
                }

                var encoded = new byte[PayloadChain.GetEncodedLength(payloads)];
                var w = new IkeWriter(encoded);
                PayloadChain.Write(ref w, payloads);
                var again = new List<IIkePayload>();
                Oracles.Check(PayloadChain.TryParse(encoded, PayloadChain.FirstType(payloads), again, out var error),
                    $"a parsed payload chain re-encodes to octets that do not parse: {error}");
                var reencoded = new byte[PayloadChain.GetEncodedLength(again)];
                var w2 = new IkeWriter(reencoded);
                PayloadChain.Write(ref w2, again);
                Oracles.SameBytes("payload chain", encoded, reencoded);
            }
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot)
    {
        var root = Path.Combine(repositoryRoot, "tests", "Overlay.Ike.Tests", "Fixtures", "strongswan");
        foreach (var file in Directory.EnumerateFiles(root, "*.hex", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(root, file).Replace('/', '-');
            var datagram = Convert.FromHexString(string.Concat(File.ReadAllText(file).Where(char.IsAsciiHexDigit)));
            yield return (name, datagram);
            var ike = UdpEncapsulation.Classify(datagram) == UdpPayloadKind.Ike ? datagram[UdpEncapsulation.NonEspMarkerLength..] : datagram;
            if (ike.Length > IkeConstants.HeaderLength)
            {
                // The payload chain behind the header, led by its first payload type: what the chain parser sees.
                yield return (name + ".chain", [ike[16], .. ike[IkeConstants.HeaderLength..]]);
            }
        }
    }
}
