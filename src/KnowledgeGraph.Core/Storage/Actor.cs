using System.Reflection;

namespace KnowledgeGraph.Storage;

/// <summary>Who made a change and where: recorded on every model version and registry record.</summary>
public sealed record Actor(string User, string Machine, int Process, string Tool)
{
    public static Actor Current { get; } = new(
        Environment.UserName,
        Environment.MachineName,
        Environment.ProcessId,
        "KnowledgeGraph " + (typeof(Actor).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0"));
}
