namespace Overlay.Demo.BoincServer.Project;

/// <summary>
/// One work unit and its one result (replication 1): its names, its input, and what happened to it. Mutated
/// only under <see cref="ProjectState"/>'s lock.
/// </summary>
internal sealed class WorkUnit
{
    public WorkUnit(int index, int rounds, string seed)
    {
        Name = $"wu_{index}";
        ResultName = $"{Name}_0";
        InputName = $"{Name}_in";
        OutputName = $"{ResultName}_out";
        Rounds = rounds;
        Seed = seed;
        ExpectedHex = HashChain.Compute(seed, rounds);
        Input = HashChain.Input(rounds, seed);
        InputMd5 = Protocol.UploadRequest.Md5Hex(Input);
    }

    public string Name { get; }

    public string ResultName { get; }

    /// <summary>The input file's BOINC name (the application opens it as in.txt).</summary>
    public string InputName { get; }

    /// <summary>The output file's BOINC name (the application writes it as out.txt).</summary>
    public string OutputName { get; }

    public int Rounds { get; }

    public string Seed { get; }

    public string ExpectedHex { get; }

    public byte[] Input { get; }

    public string InputMd5 { get; }

    public string? SentTo { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    /// <summary>How often the result was sent again after its client lost it.</summary>
    public int Resent { get; set; }

    public DateTimeOffset? DownloadedAt { get; set; }

    public long? UploadedBytes { get; set; }

    public DateTimeOffset? UploadedAt { get; set; }

    /// <summary>Null when the uploaded output is the correct chain; else what is wrong with it.</summary>
    public string? UploadProblem { get; set; }

    public DateTimeOffset? ReportedAt { get; set; }

    public long? ExitStatus { get; set; }

    /// <summary>"valid" or "invalid" once the result is reported; null before.</summary>
    public string? Outcome { get; set; }

    public string? Reason { get; set; }

    /// <summary>The furthest step reached: unsent, sent, uploaded, reported, then valid or invalid.</summary>
    public string State => Outcome ?? (ReportedAt is not null ? "reported" : UploadedAt is not null ? "uploaded" : SentAt is not null ? "sent" : "unsent");
}
