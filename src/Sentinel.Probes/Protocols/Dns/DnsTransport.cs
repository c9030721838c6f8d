namespace Sentinel.Probes.Protocols.Dns;

/// <summary>Over which transport a query goes first.</summary>
internal enum DnsTransport
{
    /// <summary>UDP, then TCP when the answer is truncated and <see cref="DnsAsking.TcpFallback"/> allows it.</summary>
    Udp,

    /// <summary>TCP only.</summary>
    Tcp,
}
