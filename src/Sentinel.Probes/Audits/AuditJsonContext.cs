using System.Text.Json.Serialization;

namespace Sentinel.Probes.Audits;

/// <summary>
/// The JSON contract of the header audits' details, generated at build time: what an audit did (embedded in http
/// details), with the posture of the run.
/// </summary>
[JsonSerializable(typeof(AuditDetails))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
