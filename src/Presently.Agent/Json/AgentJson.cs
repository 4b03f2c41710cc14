using System.Text.Json;
using System.Text.Json.Serialization;
using Presently.Agent.Control;
using Presently.Agent.Enrollment;

namespace Presently.Agent.Json;

// Source-generated JSON: the agent ships as a NativeAOT and trimmed binary, where reflection-based
// System.Text.Json is unavailable. One context per JSON shape, because each file has its own naming.

/// <summary>status.json: camelCase, indented, nulls left out.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AgentStatus))]
internal sealed partial class StatusJson : JsonSerializerContext;

/// <summary>credential.json: the property names as declared (the format files already on disk have).</summary>
[JsonSerializable(typeof(CredentialFile))]
internal sealed partial class CredentialJson : JsonSerializerContext;

/// <summary>The enrollment API speaks the web defaults (camelCase, case-insensitive), as PostAsJsonAsync did.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Enroller.Request))]
[JsonSerializable(typeof(Enroller.Response))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class EnrollJson : JsonSerializerContext;
