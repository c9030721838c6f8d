using System.Globalization;
using System.Text;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// Opens a tunnel through an HTTP proxy with CONNECT (RFC 9110, 9.3.6) for https targets (and h2c), as curl
/// does, so that the target's own TLS handshake and exchange run end to end and are timed as without a proxy
/// (plain http is forwarded instead: <see cref="HttpForwardProxy"/>). The proxy's reply is read with a bound: a hostile proxy costs at most 16 KiB and the deadline.
/// </summary>
internal static class HttpProxyTunnel
{
    private const int MaxReplyBytes = 16 * 1024;

    public static async ValueTask OpenAsync(Stream stream, Uri proxy, string host, int port, CheckDefinition check, CancellationToken cancellationToken)
    {
        var authority = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
        var request = Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
        var reply = new byte[MaxReplyBytes];
        var filled = 0;
        try
        {
            await stream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var read = await stream.ReadAsync(reply.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw Failed(proxy, $"the proxy {Name(proxy)} closed the connection instead of answering CONNECT {authority}",
                        "check the proxy's logs; it may refuse tunnels to this port");
                }

                filled += read;

                // Only the status line and headers come before the tunnel opens: read up to the blank line, no further.
                if (reply.AsSpan(0, filled).IndexOf("\r\n\r\n"u8) >= 0)
                {
                    break;
                }

                if (filled == reply.Length)
                {
                    throw Failed(proxy, $"the proxy {Name(proxy)} answered CONNECT with more than 16 KiB of headers", "check the proxy setting: this does not look like an HTTP proxy");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw Failed(proxy, $"the proxy {Name(proxy)} did not answer CONNECT {authority} within the check's timeout ({Duration.Format(check.Timeout)})",
                "the proxy may be overloaded, or slow to reach the target; compare with curl --proxy");
        }
        catch (IOException ex)
        {
            throw Failed(proxy, $"the connection to the proxy {Name(proxy)} failed during CONNECT: {ex.Message}", "check the proxy's logs and that it accepts CONNECT");
        }

        var statusLine = Encoding.ASCII.GetString(reply, 0, Math.Max(0, reply.AsSpan(0, filled).IndexOf("\r\n"u8)));
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw Failed(proxy, $"the proxy {Name(proxy)} answered CONNECT with something that is not HTTP: \"{Printable(statusLine)}\"",
                "check the proxy setting: this does not look like an HTTP proxy");
        }

        if (status is < 200 or > 299)
        {
            throw Failed(proxy, $"the proxy {Name(proxy)} refused the tunnel to {authority}: {Printable(statusLine)}",
                status == 407 ? "the proxy needs credentials, which Sentinel does not send" : "the proxy's rules may not allow this destination or port");
        }
    }

    /// <summary>A failure to connect to the proxy itself, named as such.</summary>
    public static Problem Describe(Problem connectFailure, Uri proxy) =>
        connectFailure with { Message = $"the proxy {Name(proxy)}: {connectFailure.Message}", Hint = $"{connectFailure.Hint} (this is the check's proxy, not the target)" };

    private static HttpConnectFailedException Failed(Uri proxy, string message, string hint) =>
        new(new Problem(Layers.Http, FailureCategories.HttpProxyError, message, hint));

    private static string Name(Uri proxy) => proxy.Authority;

    private static string Printable(string text) =>
        new(text.Take(120).Select(c => c is >= ' ' and < '\x7f' ? c : '?').ToArray());
}
