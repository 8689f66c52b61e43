using System.Diagnostics;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Tests.Fixtures;

namespace Overlay.Ike.Tests.Encoding.Messages;

/// <summary>
/// Random mutations of the strongSwan captures for about two seconds: parsing, validating and
/// re-serializing must never throw, whatever the bytes. The seed is fixed so a failure repeats.
/// </summary>
public class MutationTests
{
    [Fact]
    public void Mutated_strongswan_messages_never_throw()
    {
        var seeds = StrongSwanCapture.Connections
            .SelectMany(c => StrongSwanCapture.Load(c).Datagrams.Select(d => StrongSwanCapture.Load(c).Ike(d.File)))
            .ToArray();
        var random = new Random(6478);
        var clock = Stopwatch.StartNew();
        var parsed = 0;
        var iterations = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(2))
        {
            var bytes = (byte[])seeds[random.Next(seeds.Length)].Clone();
            var mutations = random.Next(1, 5);
            for (var m = 0; m < mutations; m++)
            {
                switch (random.Next(3))
                {
                    case 0: bytes[random.Next(bytes.Length)] = (byte)random.Next(256); break;
                    case 1: bytes = bytes[..random.Next(bytes.Length)]; break;
                    default: bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8)); break;
                }

                if (bytes.Length == 0)
                {
                    break;
                }
            }

            if (IkeMessage.TryParse(bytes, out var message, out _))
            {
                parsed++;
                MessageValidator.Validate(message);
                message.ToArray();
            }

            iterations++;
        }

        Assert.True(iterations > 1000, $"only {iterations} iterations ran");
        Assert.True(parsed > 0, "no mutation parsed; the mutator is too destructive to exercise the payload parsers");
    }
}
