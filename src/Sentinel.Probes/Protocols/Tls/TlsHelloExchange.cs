using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// The plain-text exchange that readies a new connection for the ClientHello (a tls check's STARTTLS upgrade):
/// returns null when the server is ready for it, else the problem that stopped it.
/// </summary>
/// <param name="stream">The new connection.</param>
/// <param name="local">Its local end, which an SMTP EHLO names.</param>
/// <param name="cancellationToken">The check's deadline.</param>
internal delegate ValueTask<Problem?> TlsUpgrade(Stream stream, IPEndPoint? local, CancellationToken cancellationToken);

/// <summary>
/// One hand-written ClientHello (<see cref="TlsHello"/>) on a new connection, and the server's answer. The tls
/// probe's version audit offers each version this way, and a failed handshake's certificates are read this way
/// (<see cref="TlsInspectionHello"/>), by the tls probe and https requests alike.
/// </summary>
internal static class TlsHelloExchange
{
    /// <summary>
    /// Opens a new connection (upgraded first by <paramref name="upgrade"/> when the check asks for STARTTLS), sends
    /// one ClientHello offering <paramref name="version"/> and reads the answer.
    /// </summary>
    public static async ValueTask<HelloAnswer> SendAsync(
        IPEndPoint remote, TlsUpgrade? upgrade, ushort version, string? serverName, CancellationToken cancellationToken)
    {
        var connected = false;
        try
        {
            using var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
            connected = true;
            var stream = new NetworkStream(socket, ownsSocket: false);
            await using var disposeStream = stream.ConfigureAwait(false);
            if (upgrade is not null && await upgrade(stream, socket.LocalEndPoint as IPEndPoint, cancellationToken).ConfigureAwait(false) is { } failed)
            {
                return new HelloAnswer(null, null, [], null, failed.Message);
            }

            await stream.WriteAsync(TlsHello.ClientHello(version, serverName), cancellationToken).ConfigureAwait(false);
            return await TlsHello.ReadAnswerAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new HelloAnswer(null, null, [], null, "no answer before the check's deadline");
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            // Some servers reset the connection instead of sending an alert for a version they do not speak.
            return new HelloAnswer(null, null, [], null, connected ? $"the server closed the connection abruptly ({ex.Message})" : $"the connection failed: {ex.Message}");
        }
    }
}
