using System.IO.Compression;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Protocols.Tls;
using Sentinel.Probes.Resolving;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// Warms the HTTP exchange's code paths, which the http and headers probes share, for one-shot runs
/// (<c>sentinel probe</c>): a few rounds of an http check's whole run — resolution (of a name and of an address,
/// <see cref="ResolutionWarmUp.HostFor"/>), connection, a TLS handshake
/// with a chain (<see cref="WarmUpChain"/>) trusted through a CA file, the inspection, a redirect, a gzip body and a body pattern —
/// against a small HTTP/1.1 server on loopback that this class starts for the purpose. A cold process otherwise
/// adds tens of milliseconds to connect and around 100 ms to tls.
/// </summary>
internal static class HttpWarmUp
{
    private const int Rounds = 5;

    public static async ValueTask RunAsync(TimeProvider time, Func<CheckDefinition, Task> run, CancellationToken cancellationToken)
    {
        using var chain = WarmUpChain.Create(time.GetUtcNow());
        var caFile = Path.Combine(Path.GetTempPath(), $"sentinel-warm-up-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(caFile, chain.Root.ExportCertificatePem(), cancellationToken).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var plain = new TcpListener(IPAddress.Loopback, 0);
        using var secure = new TcpListener(IPAddress.Loopback, 0);
        plain.Start();
        secure.Start();
        var servers = Task.WhenAll(ServeAsync(plain, null, stop.Token), ServeAsync(secure, chain.ServerOptions, stop.Token));
        try
        {
            var https = new CheckDefinition
            {
                Id = "warm-up",
                Name = "warm-up",
                Type = "http",
                Target = $"https://{ResolutionWarmUp.Host}:{((IPEndPoint)secure.LocalEndpoint).Port}/redirect",
                IpVersion = IpVersion.V4,
                Timeout = TimeSpan.FromSeconds(2),
                Section = new HttpSection
                {
                    Tls = new TlsSettings { CaFile = caFile },
                    BodyMatches = [new Regex("warm", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(250))],
                },
            };
            // By name and by address in turn (ResolutionWarmUp.HostFor).
            for (var round = 0; round < Rounds; round++)
            {
                await run(https with { Target = $"https://{ResolutionWarmUp.HostFor(round)}:{((IPEndPoint)secure.LocalEndpoint).Port}/redirect" }).ConfigureAwait(false);
                await run(https with { Target = $"http://{ResolutionWarmUp.HostFor(round + 1)}:{((IPEndPoint)plain.LocalEndpoint).Port}/", Section = HttpSection.Default }).ConfigureAwait(false);
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            plain.Stop();
            secure.Stop();
            await servers.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            File.Delete(caFile);
        }
    }

    private static async Task ServeAsync(TcpListener listener, SslServerAuthenticationOptions? tls, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await AnswerAsync(client.GetStream(), tls, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException or SocketException)
                {
                    // A client that gave up: next.
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private static async Task AnswerAsync(Stream stream, SslServerAuthenticationOptions? tls, CancellationToken cancellationToken)
    {
        var ssl = tls is null ? null : new SslStream(stream, leaveInnerStreamOpen: true);
        try
        {
            if (ssl is not null)
            {
                await ssl.AuthenticateAsServerAsync(tls!, cancellationToken).ConfigureAwait(false);
            }

            await ExchangeAsync((Stream?)ssl ?? stream, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (ssl is not null)
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task ExchangeAsync(Stream connection, CancellationToken cancellationToken)
    {
        // A redirect reuses the connection, as the probe does for a same-origin hop: answer requests until it closes.
        var buffer = new byte[8192];
        while (true)
        {
            var filled = 0;
            while (buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8) < 0)
            {
                var read = await connection.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (read == 0 || (filled += read) == buffer.Length)
                {
                    return;
                }
            }

            var redirect = Encoding.ASCII.GetString(buffer, 0, filled).StartsWith("GET /redirect ", StringComparison.Ordinal);
            await connection.WriteAsync(redirect ? Redirect : Gzipped, cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly byte[] Redirect = Encoding.ASCII.GetBytes("HTTP/1.1 302 Found\r\nLocation: /\r\nContent-Length: 0\r\n\r\n");

    private static readonly byte[] Gzipped = Response();

    private static byte[] Response()
    {
        using var body = new MemoryStream();
        using (var gzip = new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.ASCII.GetBytes("warm body"));
        }

        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: {body.Length}\r\n\r\n");
        return [.. head, .. body.ToArray()];
    }
}
