using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KnowledgeGraph.Tests;

/// <summary>A TCP proxy in front of the S3 test server that, once armed, lets the server receive the next create-only
/// PUT (If-None-Match) and then resets the client's connection instead of passing the answer back: the server has
/// stored the object, the client sees a connection reset and its SDK retries.</summary>
public sealed class ResettingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _upstream;
    private readonly CancellationTokenSource _stop = new();
    private int _armed;

    public ResettingProxy(string upstream)
    {
        _upstream = new Uri(upstream);
        _listener.Start();
        _ = AcceptAsync();
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>How many responses were swallowed.</summary>
    public int Resets { get; private set; }

    public void ArmOnce() => Interlocked.Exchange(ref _armed, 1);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        await server.ConnectAsync(_upstream.Host, _upstream.Port);
        var createOnly = false;
        var up = Pump(client.GetStream(), server.GetStream(), chunk =>
        {
            if (Encoding.ASCII.GetString(chunk).Contains("If-None-Match", StringComparison.OrdinalIgnoreCase))
            {
                createOnly = true;
            }
            return true;
        });
        var down = Pump(server.GetStream(), client.GetStream(), chunk =>
        {
            // "100 Continue" is only the server asking for the body: the final answer comes after the object is stored.
            if (Encoding.ASCII.GetString(chunk).StartsWith("HTTP/1.1 100", StringComparison.Ordinal))
            {
                return true;
            }
            if (createOnly && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                Resets++;
                client.Client.LingerState = new LingerOption(true, 0); // close with RST
                client.Client.Close();
                return false;
            }
            createOnly = false;
            return true;
        });
        await Task.WhenAny(up, down);
    }

    private static async Task Pump(NetworkStream from, NetworkStream to, Func<byte[], bool> pass)
    {
        var buffer = new byte[65536];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer)) > 0)
            {
                if (!pass(buffer[..n]))
                {
                    return;
                }
                await to.WriteAsync(buffer.AsMemory(0, n));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
