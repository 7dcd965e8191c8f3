BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Invoke-KgClassifier' {
    BeforeAll {
        $script:TestHome = New-KgTestHome
        $script:Concept = Get-KgConcept Q9001
    }

    It 'classifies -Text with the keyword classifier' {
        $p = $Concept | Invoke-KgClassifier -Text 'Flash floods and a storm surge hit the coast.'
        $p.Spans.LabelledText | Should -Be @('Flash floods', 'storm surge')
        $p.Spans[0].ConceptId | Should -Be 'Q9001'
        $p.Spans[0].Labellers | Should -Be @('KeywordClassifier("flooding")')
        $p.Spans[0].StartIndex | Should -Be 0
        $p.Spans[0].EndIndex | Should -Be 12
    }

    It 'applies negative labels' {
        (Invoke-KgClassifier Q9001 -Text 'We received a flood of letters.').Spans | Should -BeNullOrEmpty
    }

    It 'turns piped strings into passages' {
        $out = 'river flooding again', 'nothing to see' | Invoke-KgClassifier -WikibaseId Q9001
        $out.Count | Should -Be 2
        $out[0].Spans.LabelledText | Should -Be 'river flooding'
        $out[1].Spans.Count | Should -Be 0
    }

    It 'keeps the ID and metadata of piped passages' {
        $in = $Concept.LabelledPassages | Select-Object -First 5
        $out = $in | Invoke-KgClassifier -Concept $Concept
        $out.Id | Should -Be $in.Id
        $out[0].Metadata['document_id'] | Should -Be $in[0].Metadata['document_id']
    }

    It 'reads -InputPath in JSONL and in the legacy format' {
        $jsonl = Join-Path $TestHome 'in.jsonl'
        '{"text": "Coastal flooding is rising.", "spans": []}', '{"text": "Solar power.", "spans": []}' | Set-Content $jsonl
        (Invoke-KgClassifier Q9001 -InputPath $jsonl).Spans.LabelledText | Should -Be 'Coastal flooding'
        $legacy = Join-Path $TestHome 'legacy.json'
        ConvertTo-Json -InputObject @('{"id":"b0","text":"A storm surge.","spans":[],"metadata":{}}') | Set-Content $legacy
        $out = Invoke-KgClassifier Q9001 -InputPath $legacy
        $out.Id | Should -Be 'b0'
        $out.Spans.LabelledText | Should -Be 'storm surge'
    }

    It 'reproduces the original keyword predictions on Q787' -Skip:(-not $HasSharedData) {
        $q787 = Get-KgConcept Q787 -Path (Join-Path $SharedData 'concepts')
        $out = $q787.LabelledPassages | Invoke-KgClassifier -Concept $q787
        ($out.Spans | Measure-Object).Count | Should -Be 162
    }

    It 'needs some input' {
        { Invoke-KgClassifier Q9001 -ErrorAction Stop } | Should -Throw -ErrorId 'NoInput,*'
    }

    It 'reports a missing input file' {
        { Invoke-KgClassifier Q9001 -InputPath (Join-Path $TestHome 'none.jsonl') -ErrorAction Stop } | Should -Throw -ErrorId 'FileNotFound,*'
    }

    It 'reports a malformed input file with its line' {
        $bad = Join-Path $TestHome 'bad.jsonl'
        '{"text": "ok", "spans": []}', '{"text": ' | Set-Content $bad
        { Invoke-KgClassifier Q9001 -InputPath $bad -ErrorAction Stop } | Should -Throw '*bad.jsonl, line 2*'
    }

    It 'says a learned type must be trained first' {
        $err = $null
        Invoke-KgClassifier Q9001 -ClassifierType SpanTagger -Text 'x' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ClassifierNotTrained,*'
        $err[0].Exception.Message | Should -Match 'Invoke-KgTraining'
    }

    It 'rejects an unknown classifier type, naming the valid ones' {
        { Invoke-KgClassifier Q9001 -ClassifierType Magic -Text 'x' -ErrorAction Stop } | Should -Throw '*Keyword*SpanTagger*PassageClassifier*'
    }
}

Describe 'Test-KgClassifier' {
    BeforeAll { $script:TestHome = New-KgTestHome }

    It 'outputs the six levels in order with their counts' {
        $rows = Test-KgClassifier Q9001
        $rows.Level | Should -Be @('Passage', 'Span@0', 'Span@0.5', 'Span@0.9', 'Span@0.99', 'Character')
        $rows | ForEach-Object { $_.Support | Should -BeGreaterThan 0 }
        $rows[0].ClassifierName | Should -Be 'KeywordClassifier'
        $rows[0].TruePositives + $rows[0].FalseNegatives | Should -Be 46
    }

    It 'reproduces the reference keyword table on Q787' -Skip:(-not $HasSharedData) {
        $rows = Get-KgConcept Q787 -Path (Join-Path $SharedData 'concepts') | Test-KgClassifier
        $at05 = $rows | Where-Object Level -eq 'Span@0.5'
        [math]::Round($at05.F1, 4) | Should -Be 0.2762
        $at05.TruePositives | Should -Be 66
        $at05.FalsePositives | Should -Be 96
        $at05.FalseNegatives | Should -Be 250
        ($rows | Where-Object Level -eq 'Passage').Support | Should -Be 130
        ($rows | Where-Object Level -eq 'Span@0').Support | Should -Be 318
    }

    It 'adds rows per metadata value with -GroupBy' -Skip:(-not $HasSharedData) {
        $rows = Get-KgConcept Q787 -Path (Join-Path $SharedData 'concepts') | Test-KgClassifier -GroupBy translated
        [math]::Round(($rows | Where-Object { $_.Group -eq 'translated: True' -and $_.Level -eq 'Span@0.5' }).F1, 4) | Should -Be 0.2791
    }

    It 'takes Wikibase IDs from the pipeline' {
        ('Q9001' | Test-KgClassifier).Count | Should -Be 6
    }

    It 'needs labelled passages' {
        $folder = New-Item -ItemType Directory (Join-Path $TestHome 'empty')
        '{"preferred_label": "x", "wikibase_id": "Q7"}' | Set-Content (Join-Path $folder 'Q7.json')
        { Test-KgClassifier Q7 -ConceptPath $folder -ErrorAction Stop } | Should -Throw -ErrorId 'NoLabelledPassages,*'
    }
}
