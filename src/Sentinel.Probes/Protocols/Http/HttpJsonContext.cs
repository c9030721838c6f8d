using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Http;

/// <summary>
/// The JSON contract of http details (http and headers checks), generated at build time; the TLS inspection and the
/// audit in them are written through their own folders' contracts.
/// </summary>
[JsonSerializable(typeof(HttpDetails))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(IPAddressJsonConverter), typeof(IPEndPointJsonConverter)])]
internal sealed partial class HttpJsonContext : JsonSerializerContext;
