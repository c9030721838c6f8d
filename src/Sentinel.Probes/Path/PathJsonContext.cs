using System.Text.Json.Serialization;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Paths;

/// <summary>
/// The JSON contracts of the path probe, generated at build time: its details, and the route it keeps in the check
/// state store between runs (<see cref="RouteHistory"/>).
/// </summary>
[JsonSerializable(typeof(PathDetails))]
[JsonSerializable(typeof(StoredRoute))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, Converters = [typeof(IPAddressJsonConverter)])]
internal sealed partial class PathJsonContext : JsonSerializerContext;
