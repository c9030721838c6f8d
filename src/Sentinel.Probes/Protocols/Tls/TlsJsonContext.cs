using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Tls;

/// <summary>
/// The JSON contracts of the shared TLS inspection, generated at build time: what a handshake showed (embedded in
/// the details of tls and http checks), and the leaf fingerprint <see cref="TlsRenewalWatch"/> keeps in the check
/// state store.
/// </summary>
[JsonSerializable(typeof(TlsInspectionDetails))]
[JsonSerializable(typeof(TlsRenewalWatch.Seen))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(IPAddressJsonConverter)])]
internal sealed partial class TlsJsonContext : JsonSerializerContext;
