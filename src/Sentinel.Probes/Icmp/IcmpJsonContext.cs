using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Icmp;

/// <summary>The JSON contract of the icmp probe's details, generated at build time.</summary>
[JsonSerializable(typeof(IcmpDetails))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(IPAddressJsonConverter)])]
internal sealed partial class IcmpJsonContext : JsonSerializerContext;
