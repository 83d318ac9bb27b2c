# Thin aliases for people who type `make`; everything is implemented by course.py
# (which needs only Python 3.11, so a machine without make works the same way).
PY ?= python3
.PHONY: lab test install data verify build check-build exercises check-exercises lessons lock badges
lab:             ; $(PY) course.py lab
test:            ; $(PY) course.py test
install:         ; $(PY) course.py install
data:            ; $(PY) course.py data
verify:          ; $(PY) course.py verify
build:           ; $(PY) course.py build
check-build:     ; $(PY) course.py build --check
exercises:       ; $(PY) course.py exercises
check-exercises: ; $(PY) course.py exercises --check
lessons:         ; $(PY) course.py lessons
lock:            ; $(PY) course.py lock
badges:          ; $(PY) course.py badges
.PHONY: embeddings accel-dlib bench
embeddings:      ; $(PY) course.py embeddings
accel-dlib:      ; $(PY) course.py accel-dlib
bench:           ; .venv/bin/python benchmarks/pipeline.py
