using System.Text.Json.Serialization;

namespace Sentinel.Worker.Storage;

/// <summary>The JSON the storage writes itself, generated at build time: a check's labels (column <c>checks.labels</c>).</summary>
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
