using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Sentinel.Testing;

/// <summary>
/// <c>openssl s_server</c> on a loopback port it picks itself, as the peer for what an in-process SslStream server
/// cannot serve: OpenSSL's default security level (2 on Debian) makes .NET refuse to serve a SHA-1 signed chain
/// ("ca md too weak") or a 1024-bit RSA key ("ee key too small") and to speak TLS 1.0. s_server runs with an
/// explicit <c>-cipher DEFAULT@SECLEVEL=0</c>, so it serves them as a legacy server would. It also stands in for
/// servers that require a client certificate and refuse the handshake with an alert (SslStream servers only
/// check after the handshake). The process is killed on dispose, also when the test failed.
/// </summary>
public sealed partial class OpenSslServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OpenSslServer(Process process)
    {
        _process = process;
        _process.OutputDataReceived += OnOutput;
        _process.ErrorDataReceived += OnOutput;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IPEndPoint EndPoint { get; private set; } = null!;

    /// <summary>The target as a check writes it.</summary>
    public string Target => $"127.0.0.1:{EndPoint.Port}";

    /// <summary>What s_server printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts s_server with the chain's files written under <paramref name="directory"/>, plus
    /// <paramref name="arguments"/> (e.g. <c>-tls1_2</c>, <c>-Verify 1 -CAfile ca.pem</c>).
    /// </summary>
    public static async Task<OpenSslServer> StartAsync(TestChain chain, string directory, bool sendIntermediates = true, params string[] arguments)
    {
        var files = chain.WriteTo(directory, $"s_server-{Guid.NewGuid():N}"[..17]);
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["s_server", "-accept", "127.0.0.1:0", "-cert", files.Certificate, "-key", files.Key, "-cipher", "DEFAULT@SECLEVEL=0", "-naccept", "1000"])
        {
            start.ArgumentList.Add(argument);
        }

        if (sendIntermediates && chain.Intermediates.Count > 0)
        {
            start.ArgumentList.Add("-cert_chain");
            start.ArgumentList.Add(files.Chain);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // stdin stays open: s_server shuts down when it reads end-of-file there.
        var server = new OpenSslServer(Process.Start(start)!);
        try
        {
            var port = await server._port.Task.WaitAsync(TimeSpan.FromSeconds(15));
            server.EndPoint = new IPEndPoint(IPAddress.Loopback, port);
            return server;
        }
        catch (TimeoutException)
        {
            var output = server.Output;
            await server.DisposeAsync();
            throw new InvalidOperationException($"openssl s_server did not start listening within 15 s: {output}");
        }
    }

    private void OnOutput(object sender, DataReceivedEventArgs e)
    {
        if (e.Data is null)
        {
            _port.TrySetException(new InvalidOperationException($"openssl s_server exited: {Output}"));
            return;
        }

        lock (_output)
        {
            _output.AppendLine(e.Data);
        }

        if (AcceptLine().Match(e.Data) is { Success: true } match)
        {
            _port.TrySetResult(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(wait.Token);
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^ACCEPT 127\.0\.0\.1:(\d+)$")]
    private static partial Regex AcceptLine();
}
