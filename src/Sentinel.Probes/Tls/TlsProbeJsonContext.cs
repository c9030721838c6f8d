using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Tls;

/// <summary>The JSON contract of the tls probe's details, generated at build time (the inspection in them is the core's, <c>TlsJsonContext</c>).</summary>
[JsonSerializable(typeof(TlsDetails))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(IPAddressJsonConverter), typeof(IPEndPointJsonConverter)])]
internal sealed partial class TlsProbeJsonContext : JsonSerializerContext;
