module pulumik3s.test/doubles/k3s

go 1.22

require (
	github.com/pelletier/go-toml/v2 v2.4.3
	gopkg.in/yaml.v3 v3.0.1
)
