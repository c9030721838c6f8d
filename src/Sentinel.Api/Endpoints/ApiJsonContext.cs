using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sentinel.Api.Endpoints;

/// <summary>
/// The JSON bodies of the API, generated at build time with the web defaults (camelCase names): health, checks, alerts, and the stored
/// history of checks (<see cref="IResultHistory"/>).
/// </summary>
[JsonSerializable(typeof(HealthStatus))]
[JsonSerializable(typeof(CheckResource))]
[JsonSerializable(typeof(CheckPage))]
[JsonSerializable(typeof(CheckHistory))]
[JsonSerializable(typeof(CheckProblem[]))]
[JsonSerializable(typeof(List<CheckProblem>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(ResultHistoryPage))]
[JsonSerializable(typeof(CheckUptime))]
[JsonSerializable(typeof(IReadOnlyList<CheckLatest>))]
[JsonSerializable(typeof(CheckLatest))]
[JsonSerializable(typeof(AlertList))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
