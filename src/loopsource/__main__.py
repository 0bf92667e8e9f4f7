"""python -m loopsource"""
from .cli import main

if __name__ == "__main__":
    main(prog_name="loopsource")
