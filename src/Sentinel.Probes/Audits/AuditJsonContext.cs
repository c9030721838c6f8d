using System.Text.Json.Serialization;

namespace Sentinel.Probes.Audits;

/// <summary>
/// The JSON contracts of the header audits, generated at build time: what an audit did (embedded in http details),
/// and the posture it keeps in the check state store (<see cref="AuditBaseline"/>; the same object appears in the
/// details as <c>posture</c>).
/// </summary>
[JsonSerializable(typeof(AuditDetails))]
[JsonSerializable(typeof(AuditPosture))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class AuditJsonContext : JsonSerializerContext;
