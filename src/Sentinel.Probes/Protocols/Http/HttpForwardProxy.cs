using System.Net;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// The check's proxy as SocketsHttpHandler sees it: plain-http requests go to the proxy in absolute form (RFC 9112,
/// 3.2.2), as curl without --proxytunnel and blackbox_exporter send them and as proxies that allow CONNECT only to
/// TLS ports (Squid's default) expect. https targets are not proxied here: the connector tunnels them with CONNECT
/// itself, so that the target's TLS handshake stays end to end and timed. HTTP/2 over plain http (h2c, prior
/// knowledge) needs a tunnel too, since a forwarding proxy speaks HTTP/1.1 to its clients. The handler still opens
/// the connection to the proxy through the connector's ConnectCallback, so resolve and connect are timed as
/// without a proxy.
/// </summary>
internal sealed class HttpForwardProxy(Uri proxy) : IWebProxy
{
    public ICredentials? Credentials { get; set; }

    /// <summary>The proxy that forwards a check's plain-http requests, or null when it has none or they are tunnelled.</summary>
    public static HttpForwardProxy? For(HttpSection section) =>
        section.Proxy is { } proxy && section.Version != HttpVersionPreference.Http2 ? new HttpForwardProxy(proxy) : null;

    /// <summary>Whether a connection for a request of <paramref name="scheme"/> goes to the proxy itself (no tunnel).</summary>
    public static bool Forwards(HttpSection section, string? scheme) =>
        section.Proxy is not null && section.Version != HttpVersionPreference.Http2 && scheme == Uri.UriSchemeHttp;

    public Uri? GetProxy(Uri destination) => IsBypassed(destination) ? null : proxy;

    public bool IsBypassed(Uri host) => host.Scheme != Uri.UriSchemeHttp;
}
