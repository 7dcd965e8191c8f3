using KnowledgeGraph.Concepts;

namespace KnowledgeGraph.Tests;

/// <summary>A small synthetic concept whose spans a tagger can learn: "<adjective> flood" phrases, in several documents.</summary>
internal static class TrainingData
{
    public static Concept Concept(int passages = 60, int seed = 1)
    {
        var random = new Random(seed);
        string[] adjectives = ["coastal", "river", "flash", "urban", "seasonal", "severe"];
        string[] fillers = ["The report said that", "Officials warned that", "Last year", "According to the plan,", "In the north"];
        string[] negatives = ["solar panels will be installed on schools", "the carbon tax will rise", "buses will run on electricity", "the budget was approved"];
        var list = new List<LabelledPassage>();
        for (var i = 0; i < passages; i++)
        {
            var doc = new Dictionary<string, object?> { ["document_id"] = "doc" + (i % 12) };
            if (i % 4 == 3)
            {
                list.Add(new LabelledPassage($"{fillers[random.Next(fillers.Length)]} {negatives[random.Next(negatives.Length)]}.", [], null, doc));
                continue;
            }
            var phrase = $"{adjectives[random.Next(adjectives.Length)]} flooding";
            var head = $"{fillers[random.Next(fillers.Length)]} ";
            var text = $"{head}{phrase} damaged {10 + i} homes.";
            list.Add(new LabelledPassage(text, [new Span(text, head.Length, head.Length + phrase.Length, "Q42", ["ann"], ["2026-01-01T00:00:00"])], null, doc));
        }
        return new Concept("flooding", ["flood"], wikibaseId: "Q42", labelledPassages: list);
    }
}
