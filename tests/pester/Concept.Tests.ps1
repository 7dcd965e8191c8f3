BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Get-KgConcept' {
    BeforeEach { $script:TestHome = New-KgTestHome }

    It 'reads the example concept from $env:KG_CONCEPT_PATH' {
        $c = Get-KgConcept Q9001
        $c.WikibaseId | Should -Be 'Q9001'
        $c.PreferredLabel | Should -Be 'flooding'
        $c.LabelledPassages.Count | Should -Be 62
        $c.PositivePassageCount | Should -Be 46
        $c.Id | Should -Match '^[abcdefghjkmnpqrstuvwxyz23456789]{8}$'
    }

    It 'reads every concept of a folder when no ID is given' {
        @(Get-KgConcept).WikibaseId | Should -Be @('Q9001')
    }

    It 'finds the concept folder under $env:KG_HOME by default' {
        Remove-Item Env:KG_CONCEPT_PATH
        New-Item -ItemType Directory (Join-Path $TestHome 'concepts') | Out-Null
        Copy-Item (Join-Path $ExampleConcepts 'Q9001.json') (Join-Path $TestHome 'concepts')
        (Get-KgConcept Q9001).WikibaseId | Should -Be 'Q9001'
    }

    It 'reads Q787 with the original IDs' -Skip:(-not $HasSharedData) {
        $c = Get-KgConcept Q787 -Path (Join-Path $SharedData 'concepts')
        $c.Id | Should -Be 'vp8w5qgt'
        $c.LabelledPassages.Count | Should -Be 130
        ($c.LabelledPassages.Spans | Measure-Object).Count | Should -Be 573
    }

    It 'reads a single concept file given as -Path' {
        (Get-KgConcept -Path (Join-Path $ExampleConcepts 'Q9001.json')).WikibaseId | Should -Be 'Q9001'
    }

    It 'writes a non-terminating error for an invalid ID from the pipeline and goes on' {
        $err = $null
        $found = 'Q0', 'Q9001' | Get-KgConcept -ErrorVariable err -ErrorAction SilentlyContinue
        $found.WikibaseId | Should -Be 'Q9001'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
    }

    It 'binds Wikibase IDs by property name from the pipeline' {
        ([pscustomobject]@{ WikibaseId = 'Q9001' } | Get-KgConcept).PreferredLabel | Should -Be 'flooding'
    }

    It 'rejects the invalid ID <_> with the value and the rule' -ForEach @('Q0', 'q1', 'Q01', "Q1`n", 'abc', 'Q-1') {
        $id = $_
        $err = Get-KgError { Get-KgConcept -WikibaseId $id }
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -Match 'not a valid Wikibase ID'
        $err.Exception.Message | Should -Match 'Q787'
    }

    It 'writes ConceptNotFound for a missing concept and goes on with the others' {
        $err = $null
        $found = Get-KgConcept Q404, Q9001 -ErrorVariable err -ErrorAction SilentlyContinue
        $found.WikibaseId | Should -Be 'Q9001'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ConceptNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].Exception.Message | Should -Match 'Q404'
        $err[0].TargetObject | Should -Be 'Q404'
    }

    It 'says which folder is missing and how to set it' {
        { Get-KgConcept -Path (Join-Path $TestHome 'nowhere') -ErrorAction Stop } | Should -Throw -ErrorId 'ConceptFolderNotFound,*'
        { Get-KgConcept Q9001 -Path (Join-Path $TestHome 'nowhere') -ErrorAction Stop } | Should -Throw '*KG_CONCEPT_PATH*'
    }

    It 'reports malformed JSON with the file and line, and leaves the file as it was' {
        $folder = New-Item -ItemType Directory (Join-Path $TestHome 'bad')
        $file = Join-Path $folder 'Q5.json'
        Set-Content $file "{`n  `"preferred_label`": `"x`",`n  `"alternative_labels`": [`n" -NoNewline
        $before = (Get-FileHash $file).Hash
        $err = $null
        Get-KgConcept Q5 -Path $folder -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidJson,*'
        $err[0].Exception.Message | Should -Match 'Q5.json'
        $err[0].Exception.Message | Should -Match 'line \d+'
        (Get-FileHash $file).Hash | Should -Be $before
    }

    It 'rejects a concept whose label is also a negative label' {
        $folder = New-Item -ItemType Directory (Join-Path $TestHome 'clash')
        '{"preferred_label": "a", "alternative_labels": ["b"], "negative_labels": ["b"], "wikibase_id": "Q6"}' | Set-Content (Join-Path $folder 'Q6.json')
        { Get-KgConcept Q6 -Path $folder -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidConcept,*'
    }
}
