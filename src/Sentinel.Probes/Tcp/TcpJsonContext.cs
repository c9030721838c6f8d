using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Tcp;

/// <summary>The JSON contract of the tcp probe's details, generated at build time.</summary>
[JsonSerializable(typeof(TcpDetails))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(IPAddressJsonConverter), typeof(IPEndPointJsonConverter)])]
internal sealed partial class TcpJsonContext : JsonSerializerContext;
