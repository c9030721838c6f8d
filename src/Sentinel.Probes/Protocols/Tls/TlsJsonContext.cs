using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// The JSON contract of the shared TLS inspection, generated at build time: what a handshake showed (embedded in the
/// details of tls and http checks).
/// </summary>
[JsonSerializable(typeof(TlsInspectionDetails))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(IPAddressJsonConverter)])]
internal sealed partial class TlsJsonContext : JsonSerializerContext;
