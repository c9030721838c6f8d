using System.Net;
using System.Text.Json.Serialization.Metadata;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Tcp;

/// <summary>What a TCP probe connected to: the resolver, the addresses and the connection, nothing of its own.</summary>
internal sealed class TcpDetails(string resolver, IReadOnlyList<IPAddress> addresses, IPEndPoint? remote, IPEndPoint? local)
    : ConnectionDetails(resolver, addresses, remote, local)
{
    internal override JsonTypeInfo JsonTypeInfo => TcpJsonContext.Default.TcpDetails;
}
