using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using KnowledgeGraph.Concepts;
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
