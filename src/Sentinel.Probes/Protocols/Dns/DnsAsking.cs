namespace Sentinel.Probes.Protocols.Dns;

/// <summary>
/// How a query is asked: what <see cref="DnsExchange"/> sends, and what the hints for REFUSED and FORMERR
/// (<see cref="DnsRcodes.Hint"/>) depend on.
/// </summary>
/// <param name="Recursion">Whether the query sets RD (recursion desired).</param>
/// <param name="EdnsBufferSize">The EDNS0 UDP buffer size offered; 512 or less sends no OPT record (RFC 6891, 6.2.5).</param>
/// <param name="CheckSetsEdns">Whether the check can change that (a dns check's <c>ednsBufferSize</c>); a check's resolver cannot.</param>
internal readonly record struct DnsAsking(bool Recursion, int EdnsBufferSize, bool CheckSetsEdns)
{
    /// <summary>Over which transport the query goes first; default UDP.</summary>
    public DnsTransport Transport { get; init; } = DnsTransport.Udp;

    /// <summary>Whether a truncated UDP answer is asked again over TCP (RFC 7766 §5); default true. Only a dns check can turn it off.</summary>
    public bool TcpFallback { get; init; } = true;
}
