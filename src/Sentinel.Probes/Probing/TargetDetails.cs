using System.Net;
using System.Text.Json.Serialization;

namespace Sentinel.Probes.Probing;

/// <summary>
/// The part of the details every probe that resolves its target shares: the resolver asked and the addresses it
/// gave, as the first members of the JSON (<c>"resolver"</c>, <c>"addresses"</c>) and the first lines of the report.
/// A probe's details derive from it and add their own members after these, and their own lines after
/// <see cref="WriteReport"/>'s.
/// </summary>
/// <param name="resolver">How the target's name was resolved: <c>system</c> or the check's resolver.</param>
/// <param name="addresses">The addresses the name resolved to, in the order used; empty when it did not resolve.</param>
internal abstract class TargetDetails(string resolver, IReadOnlyList<IPAddress> addresses) : ProbeDetails
{
    /// <summary>How the target's name was resolved: <c>system</c> or the check's resolver.</summary>
    [JsonPropertyOrder(-4)]
    public string Resolver { get; } = resolver;

    /// <summary>The addresses the name resolved to; empty until (and unless) it did.</summary>
    [JsonPropertyOrder(-3)]
    public IReadOnlyList<IPAddress> Addresses { get; set; } = addresses;

    /// <summary>Writes the resolver line, and the addresses line when there are addresses.</summary>
    public override void WriteReport(TextWriter writer)
    {
        writer.WriteLine($"  resolver    {Resolver}");
        if (Addresses.Count > 0)
        {
            writer.WriteLine($"  addresses   {string.Join(", ", Addresses)}");
        }
    }
}

/// <summary>
/// <see cref="TargetDetails"/> of a probe that opens one connection: also the endpoints, as the JSON members
/// <c>"remote"</c> and <c>"local"</c> (null until known) and the report line <c>connected local -&gt; remote</c>
/// (or <c>remote</c> alone when the connection was not made).
/// </summary>
/// <param name="resolver">How the target's name was resolved.</param>
/// <param name="addresses">The addresses the name resolved to.</param>
/// <param name="remote">The endpoint connected to (or tried last), or null.</param>
/// <param name="local">The local endpoint of the connection, or null when none was made.</param>
internal abstract class ConnectionDetails(string resolver, IReadOnlyList<IPAddress> addresses, IPEndPoint? remote, IPEndPoint? local)
    : TargetDetails(resolver, addresses)
{
    /// <summary>The endpoint connected to (or tried last), or null.</summary>
    [JsonPropertyOrder(-2)]
    public IPEndPoint? Remote { get; } = remote;

    /// <summary>The local endpoint of the connection, or null when none was made.</summary>
    [JsonPropertyOrder(-1)]
    public IPEndPoint? Local { get; } = local;

    /// <summary>Writes the target's lines, then the connection's.</summary>
    public override void WriteReport(TextWriter writer)
    {
        base.WriteReport(writer);
        if (Local is not null)
        {
            writer.WriteLine($"  connected   {Local} -> {Remote}");
        }
        else if (Remote is not null)
        {
            writer.WriteLine($"  remote      {Remote}");
        }
    }
}
