using System.CommandLine;
using Overlay.Attest.Ima;
using Overlay.Attest.Interop;
using Overlay.Attest.Tpm;
using Overlay.Cli.Output;

namespace Overlay.Cli.Attest;

/// <summary>
/// <c>tvdctl attest measure --tcti T --log LIST [--pcr 13] FILE…</c>: measures files into a PCR and appends
/// ima-ng entries to a measurement list file; prints each entry in the kernel's ASCII form (<c>--json</c>: as one
/// document, after the last file).
/// </summary>
internal static class MeasureCommand
{
    public static Command Create()
    {
        var tcti = AttestOptions.Tcti();
        var log = new Option<string>("--log") { Description = "Measurement list file to append to", Required = true };
        var pcr = new Option<int>("--pcr") { Description = "PCR to extend", DefaultValueFactory = _ => Measurer.DefaultPcr };
        var files = new Argument<string[]>("files") { Description = "Files to measure", Arity = ArgumentArity.OneOrMore };
        var json = JsonOutput.Option();
        var command = new Command("measure", "Measure files into a PCR and an ima-ng measurement list");
        command.Options.Add(json);
        command.Options.Add(tcti);
        command.Options.Add(log);
        command.Options.Add(pcr);
        command.Arguments.Add(files);
        command.SetAction(parse =>
        {
            try
            {
                using var device = TpmDevice.Open(parse.GetValue(tcti)!);
                using var list = new FileMeasurementLog(parse.GetValue(log)!);
                var measurer = new Measurer(device, list, parse.GetValue(pcr));
                var entries = new List<ImaNgEntry>();
                foreach (var file in parse.GetValue(files)!)
                {
                    var entry = measurer.MeasureFile(file);
                    entries.Add(entry);
                    if (!parse.GetValue(json))
                    {
                        Console.Out.WriteLine(entry.ToAscii());
                    }
                }

                if (parse.GetValue(json))
                {
                    JsonOutput.Write(Console.Out, w => WriteMeasurements(w, entries.Select(e =>
                        ((int)e.Pcr, $"{e.DigestAlgorithm}:{Convert.ToHexStringLower(e.FileDigest)}", e.Path))));
                }

                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is TpmException or IOException or UnauthorizedAccessException or ArgumentOutOfRangeException or InvalidDataException)
            {
                Console.Error.WriteLine($"tvdctl: {e.Message}");
                return ExitCodes.BadInput;
            }
        });
        return command;
    }

    /// <summary><c>{"measurements": [{"pcr", "digest", "path"}]}</c> (measure and daemon-measure).</summary>
    internal static void WriteMeasurements(System.Text.Json.Utf8JsonWriter w, IEnumerable<(int Pcr, string Digest, string Path)> measurements)
    {
        w.WriteStartObject();
        w.WriteStartArray("measurements");
        foreach (var (pcr, digest, path) in measurements)
        {
            w.WriteStartObject();
            w.WriteNumber("pcr", pcr);
            w.WriteString("digest", digest);
            w.WriteString("path", path);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}
