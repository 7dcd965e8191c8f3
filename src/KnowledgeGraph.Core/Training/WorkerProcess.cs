using System.Diagnostics;
using System.Text.Json;

namespace KnowledgeGraph.Training;

/// <summary>A running training worker (KnowledgeGraph.Worker): a separate process, so that libtorch's large native
/// libraries and threads never load into the user's shell, a native crash cannot take the shell down, and Ctrl+C can
/// stop training cleanly. Requests and responses are JSON lines (<see cref="WorkerJson"/>).</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _stderr = new();
    private readonly string _path;

    private WorkerProcess(Process process, string path)
    {
        _process = process;
        _path = path;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr)
            {
                _stderr.Enqueue(e.Data);
                while (_stderr.Count > 40) _stderr.Dequeue();
            }
        };
        process.BeginErrorReadLine();
    }

    /// <summary>Starts the worker: <paramref name="workerPath"/> is its apphost, or its .dll (run with dotnet).</summary>
    public static WorkerProcess Start(string workerPath)
    {
        if (!File.Exists(workerPath))
        {
            throw new KgException("WorkerNotFound", KgErrorKind.NotInstalled,
                $"The training worker is missing: {workerPath}. Rebuild the module (build.ps1 Build); training and learned models need it.", workerPath);
        }
        var info = workerPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new ProcessStartInfo("dotnet") { ArgumentList = { workerPath } }
            : new ProcessStartInfo(workerPath);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.CreateNoWindow = true;
        info.StandardOutputEncoding = System.Text.Encoding.UTF8;
        info.StandardInputEncoding = new System.Text.UTF8Encoding(false);
        try
        {
            return new WorkerProcess(Process.Start(info)!, workerPath);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new KgException("WorkerNotFound", KgErrorKind.NotInstalled, $"The training worker {workerPath} could not be started: {e.Message}", workerPath, e);
        }
    }

    public int ProcessId => _process.Id;

    /// <summary>Sends one request and waits for its answer, relaying progress. An error answer becomes a KgException
    /// with the worker's ErrorId; a worker that exits without answering is a WorkerFailed error.</summary>
    public async Task<TResponse> SendAsync<TResponse>(WorkerRequest request, Action<ProgressMessage>? onProgress, CancellationToken cancellationToken)
        where TResponse : WorkerResponse
    {
        await WriteAsync(WorkerJson.Line(request)).ConfigureAwait(false);
        using var registration = cancellationToken.Register(() => _ = WriteAsync(WorkerJson.Line(new CancelRequest())));
        while (true)
        {
            string? line;
            try
            {
                line = await _process.StandardOutput.ReadLineAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw Failed(e);
            }
            if (line is null)
            {
                await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                throw Failed(null);
            }
            WorkerResponse message;
            try
            {
                message = WorkerJson.ReadResponse(line);
            }
            catch (Exception e) when (e is JsonException or NotSupportedException)
            {
                continue; // not a protocol line (a library printed something): ignore
            }
            switch (message)
            {
                case ProgressMessage progress:
                    onProgress?.Invoke(progress);
                    break;
                case CancelledMessage:
                    throw new OperationCanceledException("Training was stopped.", cancellationToken);
                case ErrorMessage error:
                    var kind = Enum.TryParse<KgErrorKind>(error.Kind, out var k) ? k : KgErrorKind.InvalidOperation;
                    throw new KgException(error.ErrorId, kind, error.Message);
                case TResponse answer:
                    return answer;
                default:
                    throw new KgException("WorkerProtocolError", KgErrorKind.InvalidOperation,
                        $"The training worker ({_path}) answered a {request.GetType().Name} with a {message.GetType().Name}.", _path);
            }
        }
    }

    private async Task WriteAsync(string line)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The worker is gone; the read side reports it.
        }
    }

    private KgException Failed(Exception? inner)
    {
        _process.WaitForExit(2000);
        string tail;
        lock (_stderr)
        {
            tail = string.Join(Environment.NewLine, _stderr);
        }
        var code = _process.HasExited ? _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "still running";
        return new KgException("WorkerFailed", KgErrorKind.InvalidOperation,
            $"The training worker ({_path}, process {_process.Id}) stopped without answering (exit code {code}). Nothing was stored.{(tail.Length > 0 ? Environment.NewLine + "Its last output:" + Environment.NewLine + tail : "")}",
            _path, inner);
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(3000))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(3000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
        }
        _process.Dispose();
    }
}
