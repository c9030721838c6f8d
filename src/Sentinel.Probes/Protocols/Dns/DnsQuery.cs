using DnsClient;

namespace Sentinel.Probes.Protocols.Dns;

/// <summary>A question: a fully qualified name and a record type, class IN.</summary>
/// <param name="Name">The name with its trailing dot, e.g. <c>www.example.com.</c>.</param>
/// <param name="Type">The record type asked for.</param>
internal sealed record DnsQuery(string Name, QueryType Type)
{
    /// <summary>How messages and the baseline name the question: <c>www.example.com. A</c>.</summary>
    public override string ToString() => $"{Name} {DnsVocabulary.Name(Type)}";

    /// <summary>The question for a host name as a client of the host has it (<c>www.example.com</c>): fully qualified, without search domains.</summary>
    public static DnsQuery ForHost(string host, QueryType type) => new(host.EndsWith('.') ? host : host + ".", type);
}
