using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Sentinel.Testing;

/// <summary>How a <see cref="TlsServer"/> serves its chain.</summary>
public sealed record TlsServerOptions
{
    /// <summary>Whether the intermediates are sent after the leaf; false serves the leaf alone (an incomplete chain).</summary>
    public bool SendIntermediates { get; init; } = true;

    /// <summary>The versions accepted; None leaves the choice to the system (TLS 1.2 and 1.3).</summary>
    public SslProtocols Protocols { get; init; } = SslProtocols.None;

    /// <summary>
    /// Bytes written back after the client's first write (a minimal HTTP response makes it an HTTPS server);
    /// null sends nothing.
    /// </summary>
    public byte[]? Response { get; init; }
}

/// <summary>
/// A TLS server on loopback built on SslStream, serving a chosen certificate chain: each connection gets a full
/// handshake, then the server waits for the client to close. What it cannot serve (SHA-1 chains, 1024-bit keys,
/// TLS 1.0: OpenSSL's security level refuses them in this process) <see cref="OpenSslServer"/> serves.
/// </summary>
public sealed class TlsServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly SslStreamCertificateContext _context;
    private readonly TlsServerOptions _options;
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;
    private int _handshakes;

    private TlsServer(TestChain chain, TlsServerOptions options)
    {
        _options = options;

        // offline: no attempt to fetch missing intermediates; the server sends exactly what it is given.
        _context = SslStreamCertificateContext.Create(
            chain.Leaf, new X509Certificate2Collection(options.SendIntermediates ? chain.Intermediates.ToArray() : []), offline: true);
        _listener.Start();
        EndPoint = (IPEndPoint)_listener.LocalEndpoint;
        _accepting = AcceptAsync();
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>The target as a check writes it.</summary>
    public string Target => $"127.0.0.1:{EndPoint.Port}";

    /// <summary>Handshakes completed so far.</summary>
    public int Handshakes => Volatile.Read(ref _handshakes);

    public static TlsServer Start(TestChain chain, TlsServerOptions? options = null) => new(chain, options ?? new TlsServerOptions());

    /// <summary>Runs the server side of a handshake on an already accepted stream (STARTTLS servers use it).</summary>
    public static async Task<SslStream> AuthenticateAsync(Stream stream, TestChain chain, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(chain.Leaf, new X509Certificate2Collection(chain.Intermediates.ToArray()), offline: true),
        }, cancellationToken);
        return ssl;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_connections)
                {
                    _connections.RemoveAll(t => t.IsCompleted);
                    _connections.Add(ServeAsync(client));
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
                using var handshakeTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                handshakeTimeout.CancelAfter(TimeSpan.FromSeconds(30));
                await using var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = _context,
                    EnabledSslProtocols = _options.Protocols,
                }, handshakeTimeout.Token);
                Interlocked.Increment(ref _handshakes);

                // Wait for the client to close; answer its first write when there is a response to give.
                var buffer = new byte[4096];
                var answered = false;
                while (await ssl.ReadAsync(buffer, handshakeTimeout.Token) > 0)
                {
                    if (_options.Response is { } response && !answered)
                    {
                        await ssl.WriteAsync(response, handshakeTimeout.Token);
                        answered = true;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                // Clients that give up, audit probes that send only a ClientHello, and resets are all normal here.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] pending;
        lock (_connections)
        {
            pending = [.. _connections, _accepting];
        }

        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
