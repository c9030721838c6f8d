using System.Net;
using System.Text.Json;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Tcp;

/// <summary>What a TCP probe connected to.</summary>
internal sealed class TcpDetails(string resolver, IReadOnlyList<IPAddress> addresses, IPEndPoint? remote, IPEndPoint? local) : ProbeDetails
{
    public string Resolver { get; } = resolver;

    public IReadOnlyList<IPAddress> Addresses { get; } = addresses;

    public IPEndPoint? Remote { get; } = remote;

    public IPEndPoint? Local { get; } = local;

    public override void WriteJson(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("resolver", Resolver);
        writer.WriteStartArray("addresses");
        foreach (var address in Addresses)
        {
            writer.WriteStringValue(address.ToString());
        }

        writer.WriteEndArray();
        writer.WriteString("remote", Remote?.ToString());
        writer.WriteString("local", Local?.ToString());
        writer.WriteEndObject();
    }

    public override void WriteReport(TextWriter writer)
    {
        writer.WriteLine($"  resolver    {Resolver}");
        if (Addresses.Count > 0)
        {
            writer.WriteLine($"  addresses   {string.Join(", ", Addresses)}");
        }

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
