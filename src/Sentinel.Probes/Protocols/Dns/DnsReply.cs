using DnsClient;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Dns;

/// <summary>What came of asking one server one query (<see cref="DnsExchange"/>): its response, or why there is none.</summary>
/// <param name="Response">The response, when one was received and parsed, whatever its rcode.</param>
/// <param name="Failure">Why there is no response: the classified fault of the exchange.</param>
/// <param name="Transport"><c>udp</c>, <c>tcp</c>, or <c>udp+tcp</c> when a truncated UDP answer was asked again over TCP.</param>
/// <param name="Truncated">Whether the UDP answer was truncated (its TC flag was set).</param>
/// <param name="Elapsed">From sending the query to the answer parsed, over both transports when it fell back to TCP.</param>
internal sealed record DnsReply(IDnsQueryResponse? Response, Problem? Failure, string Transport, bool Truncated, TimeSpan Elapsed);
