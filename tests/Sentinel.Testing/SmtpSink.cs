using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Sentinel.Testing;

/// <summary>
/// A real SMTP server on loopback (the SmtpServer library, in this process) that records every message it accepts,
/// parsed by MimeKit. It can require AUTH with one user and password, and reject recipients whose address starts with
/// "reject" with 550, as a server does for a mailbox that does not exist. Given a certificate, it offers STARTTLS, or
/// speaks TLS from the first byte (implicit TLS, port 465 style), and records whether each message came over TLS and
/// from which user. Start it on a port chosen beforehand to play a server that comes back.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> _messages = new();
    private readonly ConcurrentQueue<SmtpSession> _sessions = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SmtpServer.SmtpServer _server;
    private readonly Task _running;
    private int _rejected;

    private SmtpSink(int port, (string User, string Password)? credentials, X509Certificate2? certificate, bool implicitTls, TimeSpan replyDelay)
    {
        Port = port;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("sink.sentinel.test")
            .Endpoint(endpoint =>
            {
                endpoint
                    .Endpoint(new IPEndPoint(IPAddress.Loopback, port))
                    .AuthenticationRequired(credentials is not null)
                    .AllowUnsecureAuthentication(certificate is null);
                if (certificate is not null)
                {
                    // With a certificate the server offers STARTTLS; IsSecure makes it TLS from the first byte.
                    endpoint.Certificate(certificate).IsSecure(implicitTls);
                }
            })
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(_messages, _sessions, replyDelay));
        services.Add(new Filter(this));
        if (credentials is { } c)
        {
            services.Add(new Authenticator(c.User, c.Password));
        }

        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    /// <summary>The messages accepted so far, in arrival order.</summary>
    public IReadOnlyList<MimeMessage> Messages => _messages.ToArray();

    /// <summary>How each accepted message came: over TLS or not, and the user that authenticated (null without AUTH).</summary>
    public IReadOnlyList<SmtpSession> Sessions => _sessions.ToArray();

    /// <summary>How many recipients were rejected.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>
    /// Starts a sink on <paramref name="port"/> (default a free one) and waits until it accepts connections. With a
    /// <paramref name="replyDelay"/>, it keeps each message it receives and answers its end of data that much later, as a
    /// slow server does that already has the message.
    /// </summary>
    public static async Task<SmtpSink> StartAsync(
        int? port = null, (string User, string Password)? credentials = null, X509Certificate2? certificate = null, bool implicitTls = false, TimeSpan replyDelay = default)
    {
        var sink = new SmtpSink(port ?? TcpPorts.Free(), credentials, certificate, implicitTls, replyDelay);
        await Eventually.WaitAsync(() => sink.Accepting(), TimeSpan.FromSeconds(10), $"the SMTP sink on port {sink.Port}");
        return sink;
    }

    private bool Accepting()
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _server.Shutdown();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private sealed class Store(ConcurrentQueue<MimeMessage> messages, ConcurrentQueue<SmtpSession> sessions, TimeSpan replyDelay) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            sessions.Enqueue(new SmtpSession(context.Pipe.IsSecure, context.Pipe.IsSecure ? context.Pipe.SslProtocol : null,
                context.Authentication.IsAuthenticated ? context.Authentication.User : null));
            messages.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            if (replyDelay > TimeSpan.Zero)
            {
                await Task.Delay(replyDelay, cancellationToken);
            }

            return SmtpResponse.Ok;
        }
    }

    private sealed class Filter(SmtpSink sink) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
        {
            if (to.User.StartsWith("reject", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref sink._rejected);
                return Task.FromResult(false);
            }

            return Task.FromResult(true);
        }
    }

    private sealed class Authenticator(string user, string password) : IUserAuthenticator
    {
        public Task<bool> AuthenticateAsync(ISessionContext context, string user1, string password1, CancellationToken cancellationToken) =>
            Task.FromResult(user1 == user && password1 == password);
    }
}

/// <summary>How a message reached an <see cref="SmtpSink"/>.</summary>
/// <param name="Secure">Whether the session was under TLS (upgraded by STARTTLS, or from the first byte).</param>
/// <param name="Protocol">The TLS version, when secure.</param>
/// <param name="User">The user that authenticated, or null.</param>
public sealed record SmtpSession(bool Secure, SslProtocols? Protocol, string? User);
