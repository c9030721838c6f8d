using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Paths;

/// <summary>The JSON contract of the path probe's details, generated at build time.</summary>
[JsonSerializable(typeof(PathDetails))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(IPAddressJsonConverter)])]
internal sealed partial class PathJsonContext : JsonSerializerContext;
