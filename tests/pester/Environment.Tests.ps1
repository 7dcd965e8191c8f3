BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Get-KgEnvironment' {
    BeforeEach { $script:TestHome = New-KgTestHome }
    AfterEach { Remove-Item Env:KG_SANDBOX_STORE, Env:KG_STORE_PATTERN -ErrorAction SilentlyContinue }

    It 'lists the four environments with names and values' {
        $e = Get-KgEnvironment
        $e.Name | Should -Be @('labs', 'sandbox', 'staging', 'production')
        $e.Value | Should -Be @('labs', 'sandbox', 'staging', 'prod')
        ($e | Where-Object Name -eq 'production').SpecFile | Should -Be 'production.yaml'
    }

    It 'accepts <_> for an environment' -ForEach @('prod', 'PRODUCTION', 'Production', 'dev', 'Staging', 'labs') {
        (Get-KgEnvironment -Environment $_).Name | Should -BeIn @('production', 'staging', 'labs')
    }

    It 'rejects an unknown environment, naming it and the valid ones' {
        $err = Get-KgError { Get-KgEnvironment -Environment qa }
        $err.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -Match "'qa'"
        $err.Exception.Message | Should -Match 'labs, sandbox, staging, production'
    }

    It 'defaults to an embedded store under $env:KG_HOME' {
        $e = Get-KgEnvironment sandbox
        $e.StoreKind | Should -Be 'Local'
        $e.Store | Should -Be (Join-Path $TestHome 'store/sandbox')
        $e.StoreSource | Should -Be 'default (local)'
    }

    It 'lets environment variables override the store' {
        $env:KG_STORE_PATTERN = 's3://cpr-{value}-models'
        $env:KG_SANDBOX_STORE = 's3://my-sandbox/models'
        (Get-KgEnvironment production).Store | Should -Be 's3://cpr-prod-models'
        (Get-KgEnvironment sandbox).Store | Should -Be 's3://my-sandbox/models'
        (Get-KgEnvironment sandbox).StoreSource | Should -Be '$env:KG_SANDBOX_STORE'
    }

    It 'binds environments by property name' {
        ([pscustomobject]@{ Environment = 'prod' } | Get-KgEnvironment).Name | Should -Be 'production'
    }
}
