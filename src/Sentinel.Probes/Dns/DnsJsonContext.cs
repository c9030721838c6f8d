using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Dns;

/// <summary>
/// The JSON contracts of the dns probe, generated at build time: its details, and what drift detection keeps in the
/// check state store (<see cref="DnsDrift"/>): the baseline and the last verdict.
/// </summary>
[JsonSerializable(typeof(DnsDetails))]
[JsonSerializable(typeof(DnsBaseline))]
[JsonSerializable(typeof(DnsDriftVerdict))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(IPEndPointJsonConverter)])]
internal sealed partial class DnsJsonContext : JsonSerializerContext;
