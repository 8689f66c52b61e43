using Overlay.Demo.BoincServer.Protocol;

namespace Overlay.Demo.BoincServer.Project;

internal sealed partial class ProjectState
{
    /// <summary>
    /// A file upload handler request. get_file_size answers how many bytes of the output are stored (0 before
    /// any). file_upload stores the output (written whole to a temporary file, then renamed) after checking:
    /// the file is the output of a result sent and not yet reported, its size within max_nbytes, the offset at
    /// most what is stored, the data exactly nbytes - offset long, and the MD5 of the whole file the client's.
    /// The output is checked against the hash chain here and judged when the result is reported.
    /// </summary>
    /// <returns>The stored size of the file after the request.</returns>
    public long Upload(UploadRequest request, string client)
    {
        FileNames.Check(request.FileName);
        string line;
        long size;
        lock (_lock)
        {
            if (!_byOutput.TryGetValue(request.FileName, out var unit) || unit.SentAt is null)
            {
                throw new ProtocolException(RejectReason.UnknownFile, $"'{request.FileName}' is not the output file of a result this server sent");
            }

            string path = Path.Combine(_options.UploadDir, unit.OutputName);
            byte[] stored = File.Exists(path) ? File.ReadAllBytes(path) : [];
            if (request.Kind == UploadKind.FileSize)
            {
                line = $"upload size query {unit.OutputName} from {client}: {stored.Length} bytes stored";
                size = stored.Length;
            }
            else
            {
                byte[] whole = CheckUpload(request, unit, stored);
                string temporary = path + ".part";
                File.WriteAllBytes(temporary, whole);
                File.Move(temporary, path, overwrite: true);
                unit.UploadedBytes = whole.Length;
                unit.UploadedAt = _time.GetUtcNow();
                unit.UploadProblem = HashChain.Problem(whole, unit.Rounds, unit.ExpectedHex);
                string check = unit.UploadProblem is null ? "the hash chain checks out" : unit.UploadProblem;
                line = $"upload {unit.ResultName} out.txt ({unit.OutputName}) {whole.Length} bytes from {client}: {check}";
                size = whole.Length;
                WriteStatusFile();
            }
        }

        _log.Line(line);
        return size;
    }

    private static byte[] CheckUpload(UploadRequest request, WorkUnit unit, byte[] stored)
    {
        if (unit.Outcome is not null)
        {
            throw new ProtocolException(RejectReason.BadUpload, $"{unit.ResultName} is already reported ({unit.Outcome})");
        }

        if (request.Nbytes > HashChain.MaxOutputBytes)
        {
            throw new ProtocolException(RejectReason.TooLarge, $"nbytes {request.Nbytes} is over the output's max_nbytes {HashChain.MaxOutputBytes}");
        }

        if (request.Offset > stored.Length)
        {
            throw new ProtocolException(RejectReason.BadUpload, $"offset {request.Offset} is past the {stored.Length} bytes stored");
        }

        if (request.Data.Length != request.Nbytes - request.Offset)
        {
            throw new ProtocolException(RejectReason.BadUpload, $"{request.Data.Length} bytes of data, but nbytes {request.Nbytes} - offset {request.Offset} = {request.Nbytes - request.Offset}");
        }

        byte[] whole = [.. stored.AsSpan(0, (int)request.Offset), .. request.Data.Span];
        if (request.Md5.Length > 0 && !string.Equals(request.Md5, UploadRequest.Md5Hex(whole), StringComparison.OrdinalIgnoreCase))
        {
            throw new ProtocolException(RejectReason.BadUpload, $"the MD5 of the {whole.Length} bytes is not the client's {BoincXml.Shorten(request.Md5)}");
        }

        return whole;
    }
}
