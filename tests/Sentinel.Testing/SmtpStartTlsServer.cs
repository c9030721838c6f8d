using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Sentinel.Testing;

/// <summary>
/// A small real SMTP responder on loopback that upgrades to TLS (RFC 3207): a 220 greeting, EHLO answered with
/// a multi-line 250 that lists STARTTLS, STARTTLS answered 220 and followed by the TLS handshake, then EHLO and
/// QUIT over TLS. It can leave STARTTLS out of its capabilities to play a server that does not offer it.
/// </summary>
public sealed class SmtpStartTlsServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly TestChain _chain;
    private readonly bool _offerStartTls;
    private readonly List<Task> _sessions = [];
    private readonly Task _accepting;
    private int _upgrades;

    private SmtpStartTlsServer(TestChain chain, bool offerStartTls)
    {
        _chain = chain;
        _offerStartTls = offerStartTls;
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint { get; }

    public string Target => $"127.0.0.1:{EndPoint.Port}";

    /// <summary>Sessions that completed the TLS handshake after STARTTLS.</summary>
    public int Upgrades => Volatile.Read(ref _upgrades);

    public static SmtpStartTlsServer Start(TestChain chain, bool offerStartTls = true) => new(chain, offerStartTls);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_sessions)
                {
                    _sessions.RemoveAll(t => t.IsCompleted);
                    _sessions.Add(ServeAsync(client));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                Stream stream = client.GetStream();
                await WriteAsync(stream, "220 smtp.sentinel.test ESMTP ready\r\n", timeout.Token);
                var tls = false;
                while (await ReadLineAsync(stream, timeout.Token) is { } line)
                {
                    var verb = line.Split(' ')[0].ToUpperInvariant();
                    switch (verb)
                    {
                        case "EHLO":
                            await WriteAsync(stream, _offerStartTls && !tls
                                ? "250-smtp.sentinel.test greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 8BITMIME\r\n"
                                : "250-smtp.sentinel.test greets you\r\n250-PIPELINING\r\n250 8BITMIME\r\n", timeout.Token);
                            break;
                        case "STARTTLS" when _offerStartTls && !tls:
                            await WriteAsync(stream, "220 2.0.0 Ready to start TLS\r\n", timeout.Token);
                            stream = await TlsServer.AuthenticateAsync(stream, _chain, timeout.Token);
                            tls = true;
                            Interlocked.Increment(ref _upgrades);
                            break;
                        case "QUIT":
                            await WriteAsync(stream, "221 2.0.0 Bye\r\n", timeout.Token);
                            return;
                        default:
                            await WriteAsync(stream, "502 5.5.1 Command not implemented\r\n", timeout.Token);
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }
    }

    private static Task WriteAsync(Stream stream, string text, CancellationToken cancellationToken) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken).AsTask();

    /// <summary>Reads one CRLF-terminated line byte by byte (no read-ahead, so the TLS handshake starts clean).</summary>
    private static async Task<string?> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var buffer = new byte[1];
        while (line.Length < 1000)
        {
            if (await stream.ReadAsync(buffer, cancellationToken) == 0)
            {
                return null;
            }

            if (buffer[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)buffer[0]);
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] pending;
        lock (_sessions)
        {
            pending = [.. _sessions, _accepting];
        }

        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
