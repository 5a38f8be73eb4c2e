module pulumik3s.test/matrix/render

go 1.22

require pulumik3s.test/doubles/k3s v0.0.0

require github.com/pelletier/go-toml/v2 v2.4.3 // indirect

replace pulumik3s.test/doubles/k3s => ../../doubles/k3s
