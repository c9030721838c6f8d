using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// A SocketsHttpHandler wired to an <see cref="HttpConnector"/> for one address of a check. By default each run
/// makes its own and disposes it, so every run opens a new connection and a full TLS handshake, as
/// blackbox_exporter does; with <c>reuseConnection</c> the handler is kept between runs (<see cref="HttpConnections"/>).
/// </summary>
internal sealed class HttpClientLease : IDisposable
{
    private HttpClientLease(CheckDefinition check, HttpConnector connector, HttpMessageInvoker invoker)
    {
        Check = check;
        Connector = connector;
        Invoker = invoker;
    }

    public CheckDefinition Check { get; }

    public HttpConnector Connector { get; }

    public HttpMessageInvoker Invoker { get; }

    public static HttpClientLease Create(
        CheckDefinition check, HttpSection section, ProbeContext context, HttpPin pin, TlsTrust trust, X509Certificate2? clientCertificate)
    {
        var connector = new HttpConnector(check, section, context, pin, trust, clientCertificate);
        var forward = HttpForwardProxy.For(section);
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = connector.ConnectAsync,
            PlaintextStreamFilter = connector.FilterAsync,

            // Redirects are followed by the probe so that each hop is timed; bodies are decoded by the probe so that
            // both sizes are known; https through a proxy is tunnelled by the connector so that the target's TLS
            // stays timed, plain http is forwarded by the proxy (HttpForwardProxy).
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = forward is not null,
            Proxy = forward,
            UseCookies = false,
            PreAuthenticate = false,

            // No traceparent header: a monitor must send what the check says, not the node's tracing context.
            ActivityHeadersPropagator = null,
            MaxResponseHeadersLength = 64,
            MaxResponseDrainSize = 0,
            ConnectTimeout = Timeout.InfiniteTimeSpan,
            // Within a run, a redirect to the same origin reuses the connection, as curl -L and Go's client do; the
            // handler (and its connections) goes at the end of the run unless the check reuses connections.
            PooledConnectionIdleTimeout = section.ReuseConnection ? Clamp(check.Interval * 2) : TimeSpan.FromMinutes(1),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = false,
        };

        return new HttpClientLease(check, connector, new HttpMessageInvoker(handler, disposeHandler: true));
    }

    public void Dispose() => Invoker.Dispose();

    private static TimeSpan Clamp(TimeSpan idle) =>
        idle < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : idle > TimeSpan.FromHours(2) ? TimeSpan.FromHours(2) : idle;
}

/// <summary>
/// The handlers kept between runs of checks with <c>reuseConnection</c>, one per check and address. A handler is
/// reused while the settings its connections depend on are the same (<see cref="HttpConnectionSettings"/>, compared
/// by value: a reloaded file builds new objects for the same settings); a changed check gets a new handler. The
/// set is bounded so that many such checks cannot hold unbounded sockets.
/// </summary>
internal static class HttpConnections
{
    /// <summary>The most kept handlers; past it the oldest-added go.</summary>
    public const int Capacity = 1024;

    private static readonly ConcurrentDictionary<(string Check, IPAddress Address), (HttpConnectionSettings Settings, HttpClientLease Lease)> Leases = new();
    private static readonly ConcurrentQueue<(string, IPAddress)> Order = new();

    public static HttpClientLease Get(CheckDefinition check, HttpSection section, Func<HttpClientLease> create, IPAddress address)
    {
        var key = (check.Id, address);
        var settings = HttpConnectionSettings.Of(check, section);
        if (Leases.TryGetValue(key, out var kept) && kept.Settings == settings)
        {
            return kept.Lease;
        }

        var fresh = create();
        if (Leases.TryGetValue(key, out var stale))
        {
            stale.Lease.Dispose();
        }

        Leases[key] = (settings, fresh);
        Order.Enqueue(key);
        while (Leases.Count > Capacity && Order.TryDequeue(out var oldest))
        {
            if (Leases.TryRemove(oldest, out var evicted))
            {
                evicted.Lease.Dispose();
            }
        }

        return fresh;
    }
}

/// <summary>
/// What a kept handler's connections depend on, compared by value: where they go (the target's host and port,
/// the proxy), how they are made (resolver, address family, deadline, HTTP version), what TLS proves (trust,
/// client certificate, names, insecure) and how long they idle (the interval).
/// </summary>
internal sealed record HttpConnectionSettings(
    string Target, TimeSpan Timeout, TimeSpan Interval, string? Resolver, IpVersion IpVersion,
    HttpVersionPreference Version, string? Proxy, bool Insecure, TlsSettings Tls, string? Host)
{
    public static HttpConnectionSettings Of(CheckDefinition check, HttpSection section) =>
        new(new Uri(check.Target).GetLeftPart(UriPartial.Authority), check.Timeout, check.Interval, check.Resolver, check.IpVersion,
            section.Version, section.Proxy?.AbsoluteUri, section.Insecure, section.Tls, section.Host);
}
