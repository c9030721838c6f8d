using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sentinel.Api.Endpoints;

/// <summary>The JSON bodies of the API, generated at build time with the web defaults (camelCase names).</summary>
[JsonSerializable(typeof(HealthStatus))]
[JsonSerializable(typeof(CheckResource))]
[JsonSerializable(typeof(CheckPage))]
[JsonSerializable(typeof(CheckHistory))]
[JsonSerializable(typeof(CheckProblem[]))]
[JsonSerializable(typeof(List<CheckProblem>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
