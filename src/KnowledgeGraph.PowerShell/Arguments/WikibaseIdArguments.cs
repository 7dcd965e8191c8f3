using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KnowledgeGraph.Concepts;
using KnowledgeGraph.Environments;
using KnowledgeGraph.Lifecycle;
using KnowledgeGraph.Identifiers;

namespace KnowledgeGraph.PowerShell.Arguments;

/// <summary>Validates each Wikibase ID at binding time: Q, a number without leading zeros, nothing else.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateWikibaseIdAttribute : ValidateEnumeratedArgumentsAttribute
{
    protected override void ValidateElement(object element)
    {
        var text = element is PSObject p ? p.BaseObject?.ToString() : element?.ToString();
        if (!WikibaseId.IsValid(text))
        {
            throw new ValidationMetadataException(
                $"'{WikibaseIdPrintable(text)}' is not a valid Wikibase ID. A Wikibase ID is Q followed by a number without leading zeros, such as Q787.");
        }
    }

    private static string WikibaseIdPrintable(string? v) => v?.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal) ?? "<null>";
}

/// <summary>Validates each classifier ID at binding time: 8 characters of the original's alphabet.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateClassifierIdAttribute : ValidateEnumeratedArgumentsAttribute
{
    protected override void ValidateElement(object element)
    {
        var text = element is PSObject p ? p.BaseObject?.ToString() : element?.ToString();
        if (!Identifier.IsValid(text))
        {
            throw new ValidationMetadataException(
                $"'{text}' is not a valid classifier ID. A classifier ID is 8 characters from '{Identifier.Alphabet}', such as 'rmaavduy'.");
        }
    }
}

/// <summary>Completes Wikibase IDs from the concept folder (<c>-Path</c>/<c>-ConceptPath</c> if given, else the configured one).</summary>
public sealed class WikibaseIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        var path = (fakeBoundParameters["ConceptPath"] ?? fakeBoundParameters["Path"])?.ToString();
        IReadOnlyList<WikibaseId> ids;
        try
        {
            ids = ConceptSource.Resolve(path).ListIds();
        }
        catch (Exception e) when (e is KgException or IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        foreach (var id in ids.Where(i => i.Value.StartsWith(word, StringComparison.OrdinalIgnoreCase)))
        {
            yield return new CompletionResult(id.Value, id.Value, CompletionResultType.ParameterValue, id.Value);
        }
    }
}

/// <summary>Completes classifier IDs from the store of the environment given (-Environment or -SourceEnvironment, else
/// all of them), for the concept given (-WikibaseId) when there is one. Listings of remote stores are cut off after
/// two seconds so that completion never hangs.</summary>
public sealed class ClassifierIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        var wikibaseId = (fakeBoundParameters["WikibaseId"] as string) ?? (fakeBoundParameters["WikibaseId"] as object[])?.FirstOrDefault()?.ToString();
        var envText = (fakeBoundParameters["SourceEnvironment"] ?? fakeBoundParameters["Environment"])?.ToString();
        var environments = EnvironmentNames.TryParse(envText, out var one) ? [one] : EnvironmentNames.All;
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var stores = new StoreProvider(Configuration.KgSettings.Load(), () => Loading.Dependencies.Infrastructure.S3);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            foreach (var env in environments)
            {
                var versions = stores.For(env).Models.ListAsync(WikibaseId.IsValid(wikibaseId) ? [wikibaseId!] : null, timeout.Token).GetAwaiter().GetResult();
                foreach (var v in versions)
                {
                    found.TryAdd(v.ClassifierId, $"{v.WikibaseId} ({env.Name()})");
                }
            }
        }
        catch (Exception e) when (e is KgException or OperationCanceledException or IOException or UnauthorizedAccessException)
        {
            // Completion is best effort: offer what was found in time.
        }
        return found.Where(kv => kv.Key.StartsWith(word, StringComparison.Ordinal))
            .Select(kv => new CompletionResult(kv.Key, kv.Key, CompletionResultType.ParameterValue, $"{kv.Key}: {kv.Value}"));
    }
}
