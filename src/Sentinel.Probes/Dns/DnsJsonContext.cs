using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Dns;

/// <summary>The JSON contract of the dns probe's details, generated at build time.</summary>
[JsonSerializable(typeof(DnsDetails))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(IPEndPointJsonConverter)])]
internal sealed partial class DnsJsonContext : JsonSerializerContext;
